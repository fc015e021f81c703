package io.reactivewspool.broker;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Set;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Carries hub messages to the OTHER nodes of a cluster. The hub always delivers to its own
 * connections itself; a broker never loops a node's own messages back to it.
 *
 * <p>The hub calls {@link #interest(String, boolean) interest(topic, true)} when the node gets its
 * first local subscriber of a topic and {@code interest(topic, false)} when the last one goes, so a
 * broker may subscribe the node only to topics it needs. It subscribes to {@link #inbound()} once
 * at start and delivers {@link BrokerMessage.Kind#TOPIC TOPIC} and {@link BrokerMessage.Kind#USER
 * USER} messages of other nodes to local connections, using the payload bytes as they are.
 *
 * <p>What every implementation promises (checked for each by the project's broker contract tests):
 * <ul>
 * <li>A message reaches every other node that should have it with every part as published: kind,
 * the target LIST in its order (never joined, split or re-encoded: a user id {@code "cn=ann,ou=ops"}
 * stays one user), payload bytes, origin and excluded connection ids.</li>
 * <li>A {@link BrokerMessage.Kind#TOPIC TOPIC} message reaches each other node with interest in ANY
 * of its topics exactly once, with the full list; the hub then gives it to each local connection
 * subscribed to any of them once. A node without interest in any of them does not get it.</li>
 * <li>{@link BrokerMessage.Kind#USER USER}, {@link BrokerMessage.Kind#CONTROL CONTROL},
 * {@link BrokerMessage.Kind#REQUEST REQUEST} and {@link BrokerMessage.Kind#REPLY REPLY} messages
 * reach every other node (a node ignores a request for a connection it does not hold and a reply
 * for another node). A node never receives its own messages.</li>
 * <li>{@link #isConnected()} is false while the broker cannot reach the cluster or while nothing
 * consumes {@link #inbound()} (before the hub subscribes, after an error ended its subscription):
 * a node that hears nothing must not look healthy.</li>
 * </ul>
 *
 * <p>The hub also keeps small per-node state in the broker (its share of a tracked topic's
 * presence, its stats), as entries: a named state ({@code "presence"}) holds, per node, values by
 * key (the topic). The node writes an entry only when it changes ({@link #putNodeState}) and keeps
 * all of them alive with one {@link #heartbeat} every third of their time to live, so its cost at
 * rest does not grow with its entries; {@link #nodeStates} reads one key of every live node. A
 * node whose heartbeat lapses drops out at once for readers, whatever its entries' own expiry. A
 * broker without shared storage keeps the defaults (no entries).
 *
 * <p>Implementations are thread-safe and non-blocking; every returned publisher is cold.
 * {@link LocalBroker} (the default) does nothing remote.
 *
 * <pre>{@code
 * Duration ttl = Duration.ofSeconds(15);
 * broker.heartbeat(ttl)
 *       .then(broker.putNodeState("presence", Map.of("room/1", "{\"connections\":3}"), List.of(), ttl))
 *       .then(broker.nodeStates("presence", "room/1"))
 *       .subscribe(byNode -> byNode.forEach((node, json) -> System.out.println(node + " " + json)));
 * }</pre>
 */
public interface Broker {

    /** This node's id, stamped on every message it publishes; unique in the cluster. */
    String nodeId();

    /**
     * Sends a message to the other nodes; completes when handed to the transport, fails (a
     * {@link io.reactivewspool.WsException}) when the cluster cannot be reached. Nothing is buffered
     * for later: a failed publish is lost for the other nodes.
     */
    Mono<Void> publish(BrokerMessage message);

    /**
     * Messages of other nodes; hot, never completes while the broker is open, and emits no more
     * than requested: the hub requests batches as its delivery thread takes them, so a broker keeps
     * what comes faster in a bounded buffer of its own and counts what that drops. A broker should
     * not end it with an error (it resubscribes its own source instead); when it does, or when it
     * emits past the demand, the hub counts a failure, logs it and resubscribes with backoff
     * (100 ms, doubling to 5 s), losing what came meanwhile.
     */
    Flux<BrokerMessage> inbound();

    /** Declares ({@code on}) or withdraws this node's interest in a topic. */
    Mono<Void> interest(String topic, boolean on);

    /**
     * Refreshes this node's heartbeat for {@code ttl}, and with it the life of all its entries:
     * readers count the node's entries only while its heartbeat lives. Emits {@code true} when the
     * entries the node wrote before are still there, {@code false} when they may be gone (the node
     * was silent too long, or the broker lost them, as a restarted Redis does): the caller then
     * writes them all again with {@link #replaceNodeState}. Emits {@code true} by default.
     */
    default Mono<Boolean> heartbeat(Duration ttl) {
        return Mono.just(true);
    }

    /**
     * Stores this node's entries of the state {@code name} (value by key) and removes its entries
     * under the keys {@code removed}; every entry of the state lives at least {@code ttl} from now
     * and as long as the heartbeat. Does nothing by default.
     */
    default Mono<Void> putNodeState(String name, Map<String, String> entries, Collection<String> removed, Duration ttl) {
        return Mono.empty();
    }

    /**
     * Replaces all this node's entries of the state {@code name} by {@code entries} (none: removes
     * them all); a reader sees either the old entries or the new ones. Does nothing by default.
     */
    default Mono<Void> replaceNodeState(String name, Map<String, String> entries, Duration ttl) {
        return Mono.empty();
    }

    /** Removes this node's heartbeat and all its entries: readers stop seeing it at once. Does nothing by default. */
    default Mono<Void> removeNodeState() {
        return Mono.empty();
    }

    /**
     * Every live node's entry under {@code key} of the state {@code name} (this node's included),
     * by node id; a node without that entry, or whose heartbeat lapsed, is absent. Empty by default.
     */
    default Mono<Map<String, String>> nodeStates(String name, String key) {
        return Mono.just(Map.of());
    }

    /**
     * The ids of the nodes whose heartbeat lives, this node's included once it has beaten: who must
     * answer a cluster-wide request before "nobody has it" can be said. Empty (the default) when
     * the broker cannot tell; the hub then waits for an answer until its request timeout.
     */
    default Mono<Set<String>> liveNodes() {
        return Mono.empty();
    }

    /**
     * Whether the broker currently reaches the cluster and delivers what it receives: false while
     * it cannot reach it, and false while nothing consumes {@link #inbound()}.
     */
    boolean isConnected();

    /**
     * Whether this broker reaches other nodes. A hub whose broker does not keeps no cluster state
     * (presence, cluster stats) in it and answers those from its own connections. {@code true} by
     * default; {@link LocalBroker} answers {@code false}.
     */
    default boolean reachesOtherNodes() {
        return true;
    }

    /** Releases the broker's resources; completes when they are released. */
    Mono<Void> close();
}
