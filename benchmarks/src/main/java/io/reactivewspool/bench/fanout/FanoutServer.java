package io.reactivewspool.bench.fanout;

/**
 * A running fan-out server of the benchmark: a baseline that speaks the subset of the wire protocol the
 * load generator uses ({@code subscribe}, {@code publish}, {@code ping}; {@code welcome}, {@code subscribed},
 * {@code published}, {@code data}, {@code pong}, {@code error}). Closing it stops accepting, closes every
 * connection and returns when its threads are gone.
 */
public interface FanoutServer extends AutoCloseable {

    /** The bound TCP port (the actual one when started on port 0). */
    int port();

    /** Messages the server did not deliver to a subscriber by its own policy (unwritable channel, full sink). */
    long dropped();

    @Override
    void close();
}
