package io.reactivewspool.client;

/** Which idle connection {@link WsClientPool#acquire()} hands out first. */
public enum ReuseOrder {
    /**
     * The connection released last: a few hot connections carry the load and the others stay
     * idle long enough to be evicted, so the pool shrinks back towards its minimum.
     */
    MOST_RECENTLY_USED,
    /** The connection idle the longest: load spreads over every connection (round robin). */
    LEAST_RECENTLY_USED
}
