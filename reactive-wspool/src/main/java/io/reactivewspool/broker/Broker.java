package io.reactivewspool.broker;

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
 * <p>Implementations are thread-safe and non-blocking; every returned publisher is cold.
 * {@link LocalBroker} (the default) does nothing remote.
 */
public interface Broker {

    /** This node's id, stamped on every message it publishes; unique in the cluster. */
    String nodeId();

    /** Sends a message to the other nodes; completes when handed to the transport. */
    Mono<Void> publish(BrokerMessage message);

    /** Messages of other nodes; hot, never completes while the broker is open. */
    Flux<BrokerMessage> inbound();

    /** Declares ({@code on}) or withdraws this node's interest in a topic. */
    Mono<Void> interest(String topic, boolean on);

    /** Whether the broker currently reaches the cluster. */
    boolean isConnected();

    /** Releases the broker's resources; completes when they are released. */
    Mono<Void> close();
}
