package io.reactivewspool.broker;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Carries hub messages between the nodes of a cluster. The hub always delivers to its own
 * connections itself; a broker only moves already-encoded messages to the other nodes.
 */
public interface Broker {

    /** This node's id, stamped on every message it publishes. */
    String nodeId();

    /** Sends a message to the other nodes. */
    Mono<Void> publish(BrokerMessage message);

    /** Messages from other nodes, for topics this node has interest in, users and control. */
    Flux<BrokerMessage> inbound();

    /** Starts or stops receiving a topic's messages from other nodes. */
    Mono<Void> interest(String topic, boolean on);

    /** Whether the broker can reach the other nodes now. */
    boolean isConnected();

    /** Closes the broker's connections. */
    Mono<Void> close();
}
