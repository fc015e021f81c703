package io.reactivewspool.client;

import reactor.core.publisher.Mono;

/**
 * A connection borrowed from a {@link WsClientPool}. Give it back exactly once: {@link #release()}
 * when it is still good, {@link #invalidate()} when it is not. Both are idempotent; the returned
 * Monos are cold only in the sense that the first subscription does the work.
 */
public interface PooledWsConnection {

    /** The borrowed connection. Do not close it: invalidate instead. */
    WsConnection connection();

    /**
     * Returns the connection to the pool (after the release hook). A connection that is closed,
     * unhealthy or past its lifetime is destroyed instead, never handed out again.
     */
    Mono<Void> release();

    /** Destroys the connection (close code 1000) and frees its slot; the pool opens a replacement if below its minimum. */
    Mono<Void> invalidate();
}
