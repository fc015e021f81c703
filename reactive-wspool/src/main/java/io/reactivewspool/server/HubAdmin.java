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

    /**
     * This node's connections, filtered by user and topic ({@code null}: no filter), oldest first.
     * For every node's, a page at a time, see {@link #clusterConnections}.
     */
    List<ConnectionInfo> connections(String userId, String topic);

    /** One connection of this node; for any node see {@link #clusterConnection}. */
    Optional<ConnectionInfo> connection(String connectionId);

    /**
     * One page of the connections of every live node, filtered by user and topic ({@code null}: no
     * filter), oldest first, each with its node id; with a local broker, this node's. Each node
     * answers with at most {@code page * limit} of its connections, so a page is bounded whatever
     * the cluster's size; a node silent for {@link ClusterSpec#requestTimeout()} is named in
     * {@link ConnectionPage#unansweredNodes()}. Cold.
     *
     * @param page  from 1
     * @param limit 1..{@value ConnectionPage#MAX_LIMIT}, and {@code page * limit} at most {@value ConnectionPage#MAX_WINDOW}
     * @throws IllegalArgumentException when {@code page} or {@code limit} is out of range
     */
    Mono<ConnectionPage> clusterConnections(String userId, String topic, int page, int limit);

    /**
     * One connection, wherever it lives: {@link ConnectionOutcome.Status#DONE} with its
     * {@link ConnectionOutcome#info()} and node, {@code NOT_FOUND} once every live node answered
     * that it has none, {@code NO_ANSWER} when some node stayed silent. Cold; fails with a
     * {@link io.reactivewspool.WsException} when the broker cannot carry the request.
     */
    Mono<ConnectionOutcome> clusterConnection(String connectionId);

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
