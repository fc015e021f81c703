package io.reactivewspool.client;

import reactor.core.publisher.Mono;

/**
 * Runs before the pool hands a connection to a caller, like pgxpool's {@code BeforeAcquire}.
 * {@code false} (or an error) destroys that connection and the pool tries another one, within
 * the same acquire timeout.
 */
@FunctionalInterface
public interface WsAcquireHook {

    /** The hook that accepts every connection. */
    WsAcquireHook NONE = connection -> Mono.just(Boolean.TRUE);

    /** {@code true} to hand the connection out, {@code false} to destroy it. */
    Mono<Boolean> beforeAcquire(WsConnection connection);
}
