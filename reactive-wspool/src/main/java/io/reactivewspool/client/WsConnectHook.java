package io.reactivewspool.client;

import reactor.core.publisher.Mono;

/**
 * Runs after a pool opened a connection and before the connection joins the pool, like
 * pgxpool's {@code AfterConnect}: authenticate at the application level, subscribe to topics,
 * wait for a {@code welcome}. An error closes the connection and counts as a failed connect
 * (retried with the connect backoff).
 */
@FunctionalInterface
public interface WsConnectHook {

    /** The hook that does nothing. */
    WsConnectHook NONE = connection -> Mono.empty();

    /** Completes when the connection is ready for use; an error rejects it. */
    Mono<Void> afterConnect(WsConnection connection);
}
