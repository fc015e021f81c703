package io.reactivewspool.test;

import io.reactivewspool.broker.Broker;
import io.reactivewspool.broker.BrokerMessage;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A broker that forwards the SPI's required methods and {@link #reachesOtherNodes()} to another
 * broker (the optional node-state methods keep their defaults); a test overrides what it changes.
 *
 * <pre>{@code
 * Broker failing = new ForwardingBroker(real) {
 *     public Mono<Void> publish(BrokerMessage m) {
 *         return Mono.error(new WsException("down"));
 *     }
 * };
 * }</pre>
 */
public class ForwardingBroker implements Broker {

    private final Broker to;

    protected ForwardingBroker(Broker to) {
        this.to = to;
    }

    @Override
    public String nodeId() {
        return to.nodeId();
    }

    @Override
    public Mono<Void> publish(BrokerMessage message) {
        return to.publish(message);
    }

    @Override
    public Flux<BrokerMessage> inbound() {
        return to.inbound();
    }

    @Override
    public Mono<Void> interest(String topic, boolean on) {
        return to.interest(topic, on);
    }

    @Override
    public boolean reachesOtherNodes() {
        return to.reachesOtherNodes();
    }

    @Override
    public boolean isConnected() {
        return to.isConnected();
    }

    @Override
    public Mono<Void> close() {
        return to.close();
    }
}
