package io.reactivewspool.broker;

import java.util.Objects;
import java.util.UUID;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The single-node broker and the hub's default: there are no other nodes, so {@link #publish}
 * completes at once, {@link #inbound()} never emits and the broker is always connected.
 */
public final class LocalBroker implements Broker {

    private final String nodeId;

    /** A local broker with a random node id. */
    public LocalBroker() {
        this("node-" + UUID.randomUUID().toString().substring(0, 8));
    }

    /** A local broker with the given node id. */
    public LocalBroker(String nodeId) {
        this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
    }

    @Override
    public String nodeId() {
        return nodeId;
    }

    @Override
    public Mono<Void> publish(BrokerMessage message) {
        return Mono.empty();
    }

    @Override
    public Flux<BrokerMessage> inbound() {
        return Flux.never();
    }

    @Override
    public Mono<Void> interest(String topic, boolean on) {
        return Mono.empty();
    }

    @Override
    public boolean reachesOtherNodes() {
        return false;
    }

    @Override
    public boolean isConnected() {
        return true;
    }

    @Override
    public Mono<Void> close() {
        return Mono.empty();
    }
}
