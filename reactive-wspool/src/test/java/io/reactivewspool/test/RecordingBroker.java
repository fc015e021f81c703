package io.reactivewspool.test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.reactivewspool.broker.Broker;
import io.reactivewspool.broker.BrokerMessage;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/** A {@link Broker} that records what the hub publishes and declares, and lets a test inject messages of "other nodes". */
public final class RecordingBroker implements Broker {

    public final List<BrokerMessage> published = new CopyOnWriteArrayList<>();
    public final List<String> interest = new CopyOnWriteArrayList<>();
    private final Sinks.Many<BrokerMessage> inbound = Sinks.many().multicast().onBackpressureBuffer(65_536, false);
    private final Flux<BrokerMessage> from;
    private volatile boolean closed;

    /** Messages of other nodes come from {@link #receive(BrokerMessage)}, buffered as a real broker does. */
    public RecordingBroker() {
        this.from = inbound.asFlux();
    }

    /** Messages of other nodes come from {@code inbound} instead, however it treats the hub's demand. */
    public RecordingBroker(Flux<BrokerMessage> inbound) {
        this.from = inbound;
    }

    @Override
    public String nodeId() {
        return "node-test";
    }

    @Override
    public Mono<Void> publish(BrokerMessage message) {
        return Mono.fromRunnable(() -> published.add(message));
    }

    @Override
    public Flux<BrokerMessage> inbound() {
        return from;
    }

    @Override
    public Mono<Void> interest(String topic, boolean on) {
        return Mono.fromRunnable(() -> interest.add((on ? "+" : "-") + topic));
    }

    @Override
    public boolean isConnected() {
        return !closed;
    }

    @Override
    public Mono<Void> close() {
        return Mono.fromRunnable(() -> closed = true);
    }

    /** A message arrives from another node. */
    public void receive(BrokerMessage m) {
        Sinks.EmitResult result = inbound.tryEmitNext(m);
        if (result.isFailure()) {
            throw new IllegalStateException("the test broker could not hand over " + m + ": " + result);
        }
    }

    public boolean isClosed() {
        return closed;
    }
}
