package io.reactivewspool.server;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

import reactor.core.publisher.Mono;

/**
 * Operator operations on a hub, as the admin HTTP API exposes them ({@link WsHub#admin()}).
 * Thread-safe and non-blocking. Disconnects close with 1000 and the given reason.
 */
public interface HubAdmin {

    /** The hub's counters. */
    HubStats stats();

    /** Connections, filtered by user and topic ({@code null}: no filter). */
    List<ConnectionInfo> connections(String userId, String topic);

    /** One connection. */
    Optional<ConnectionInfo> connection(String connectionId);

    /** Closes every connection of a user; emits how many were closed once their close frames are sent. */
    Mono<Integer> disconnectUser(String userId, String reason);

    /** Closes the given connections (unknown ids are ignored); emits how many were closed. */
    Mono<Integer> disconnect(Collection<String> connectionIds, String reason);

    /** Closes every connection subscribed to a topic; emits how many were closed. */
    Mono<Integer> disconnectTopic(String topic, String reason);

    /** Runs the stale-connection sweep now. */
    Mono<CleanupReport> cleanup();

    /** Broadcasts to a topic; returns how many local connections it reached. */
    int broadcast(String topic, String messageType, Object data);
}
