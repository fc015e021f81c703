package io.reactivewspool.client;

import reactor.core.publisher.Mono;

/**
 * Runs when a caller releases a connection, like pgxpool's {@code AfterRelease}: reset
 * per-caller state, unsubscribe from topics. {@code false} (or an error) destroys the connection
 * instead of returning it to the pool.
 */
@FunctionalInterface
public interface WsReleaseHook {

    /** The hook that returns every connection to the pool. */
    WsReleaseHook NONE = connection -> Mono.just(Boolean.TRUE);

    /** {@code true} to return the connection to the pool, {@code false} to destroy it. */
    Mono<Boolean> afterRelease(WsConnection connection);
}
