package io.reactivewspool.broker;

import java.time.Duration;
import java.util.Map;

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
 * <p>The hub also keeps small per-node state in the broker (its share of a topic's presence, its
 * stats): {@link #putNodeState} stores this node's entry of a named state with an expiry, and
 * {@link #nodeStates} reads every live node's entry. A node that stops refreshing its entries
 * drops out when they expire. A broker without shared storage keeps the defaults (no entries).
 *
 * <p>Implementations are thread-safe and non-blocking; every returned publisher is cold.
 * {@link LocalBroker} (the default) does nothing remote.
 *
 * <pre>{@code
 * broker.putNodeState("stats", "{\"active_connections\":3}", Duration.ofSeconds(15))
 *       .then(broker.nodeStates("stats"))
 *       .subscribe(byNode -> byNode.forEach((node, json) -> System.out.println(node + " " + json)));
 * }</pre>
 */
public interface Broker {

    /** This node's id, stamped on every message it publishes; unique in the cluster. */
    String nodeId();

    /** Sends a message to the other nodes; completes when handed to the transport. */
    Mono<Void> publish(BrokerMessage message);

    /**
     * Messages of other nodes; hot, never completes while the broker is open, and emits no more
     * than requested: the hub requests batches as its delivery thread takes them, so a broker keeps
     * what comes faster in a bounded buffer of its own and counts what that drops. (Emitting past
     * the demand overflows the hub's hand-off: it logs that, counts a failure and resubscribes.)
     */
    Flux<BrokerMessage> inbound();

    /** Declares ({@code on}) or withdraws this node's interest in a topic. */
    Mono<Void> interest(String topic, boolean on);

    /**
     * Stores (or refreshes) this node's entry of the state {@code name} for {@code ttl}. Does
     * nothing by default.
     */
    default Mono<Void> putNodeState(String name, String json, Duration ttl) {
        return Mono.empty();
    }

    /** Removes this node's entry of the state {@code name}. Does nothing by default. */
    default Mono<Void> removeNodeState(String name) {
        return Mono.empty();
    }

    /**
     * Every live node's entry of the state {@code name} (this node's included), by node id;
     * expired entries are absent. Empty by default.
     */
    default Mono<Map<String, String>> nodeStates(String name) {
        return Mono.just(Map.of());
    }

    /** Whether the broker currently reaches the cluster. */
    boolean isConnected();

    /** Releases the broker's resources; completes when they are released. */
    Mono<Void> close();
}
