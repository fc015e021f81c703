package io.reactivewspool.server;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import reactor.core.publisher.Mono;

/**
 * Operator operations on a hub, as the admin HTTP API exposes them ({@link WsHub#admin()}).
 * Thread-safe and non-blocking. Disconnects close with 1000 and the given reason.
 *
 * <p>With a cluster broker (Redis) the disconnects are cluster-wide: the hub closes its own matching
 * connections and sends the operation over the broker's control channel, so every other node closes
 * its matching connections too. The emitted count is then this node's share only.
 *
 * <pre>{@code
 * hub.admin().disconnectUser("alice", "account suspended")
 *    .subscribe(n -> log.info("closed {} local connections of alice", n));
 * }</pre>
 */
public interface HubAdmin {

    /** The hub's counters. */
    HubStats stats();

    /** Connections, filtered by user and topic ({@code null}: no filter). */
    List<ConnectionInfo> connections(String userId, String topic);

    /** One connection. */
    Optional<ConnectionInfo> connection(String connectionId);

    /**
     * Closes every connection of a user, on every node of a cluster; emits how many LOCAL
     * connections were closed once their close frames are sent.
     */
    Mono<Integer> disconnectUser(String userId, String reason);

    /**
     * Closes the given connections (unknown ids are ignored; in a cluster, ids not found here are
     * sent to the other nodes); emits how many local connections were closed.
     */
    Mono<Integer> disconnect(Collection<String> connectionIds, String reason);

    /** Closes every connection subscribed to a topic, on every node; emits how many local ones were closed. */
    Mono<Integer> disconnectTopic(String topic, String reason);

    /**
     * Whether this hub is part of a cluster (a broker other than the local one): disconnects then
     * reach every node and their counts are this node's.
     */
    default boolean isClustered() {
        return false;
    }

    /**
     * Every live node's stats by node id (this node's taken live; the others' as each node last
     * wrote them, checked for a change every third of {@link ClusterSpec#stateTtl()}; a
     * node gone once its heartbeat is that long overdue). With a local broker: this node's only. Never errors (an unreachable broker gives this
     * node's only).
     */
    Mono<Map<String, HubStats>> clusterStats();

    /** Who is subscribed to a topic across the cluster; same as {@link WsHub#presence(String)}. */
    Mono<Presence> presence(String topic);

    /** Runs the stale-connection sweep now. */
    Mono<CleanupReport> cleanup();

    /** Broadcasts to a topic; returns how many local connections it reached. */
    int broadcast(String topic, String messageType, Object data);
}
