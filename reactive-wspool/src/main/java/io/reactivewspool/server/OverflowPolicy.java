package io.reactivewspool.server;

/**
 * What a connection's bounded outbound queue does when a message arrives and the queue is full
 * (the client reads slower than the hub produces). Every dropped message is counted, per
 * connection and in total.
 */
public enum OverflowPolicy {
    /** Drop the oldest queued message and queue the new one (the default: clients see the latest). */
    DROP_OLDEST,
    /** Keep the queue and drop the new message. */
    DROP_NEWEST,
    /** Close the connection with 4001 (slow consumer). */
    DISCONNECT
}
