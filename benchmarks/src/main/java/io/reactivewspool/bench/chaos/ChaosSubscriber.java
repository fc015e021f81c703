package io.reactivewspool.bench.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.reactivewspool.client.WsTopicClient;
import io.reactivewspool.client.WsTopicClientOptions;
import io.reactivewspool.message.WsMessage;
import reactor.core.Disposable;
import reactor.core.Disposables;
import tools.jackson.databind.JsonNode;

/**
 * A subscriber of the campaign: one {@link WsTopicClient} (the library's public client) over its
 * own proxy routes to the three hubs, subscribed to a few topics, logging in arrival order every
 * message (topic, message id, offset) and every gap it is told of.
 *
 * <pre>{@code
 * ChaosSubscriber s = new ChaosSubscriber("sub1", urls, List.of("chaos.t1", "chaos.t2"));
 * ...
 * List<ChaosChecker.Entry> log = s.log();
 * s.close();
 * }</pre>
 */
final class ChaosSubscriber implements AutoCloseable {

    private final String name;
    private final List<String> topics;
    private final WsTopicClient client;
    private final List<ChaosChecker.Entry> log = new ArrayList<>(); // guarded by itself
    private final Disposable.Composite subscriptions = Disposables.composite();
    /** Topic streams that ended in an error (a refused subscribe): a failure of the run. */
    private final List<String> errors = new CopyOnWriteArrayList<>();

    ChaosSubscriber(String name, List<String> urls, List<String> topics, Duration pingInterval, Duration pingTimeout) {
        this.name = name;
        this.topics = List.copyOf(topics);
        this.client = WsTopicClient.create(WsTopicClientOptions.builder(urls)
                .client(b -> b.connectTimeout(Duration.ofSeconds(5)).handshakeTimeout(Duration.ofSeconds(10))
                        .requestTimeout(Duration.ofSeconds(15)).closeTimeout(Duration.ofSeconds(2)))
                .reconnectBackoffFirst(Duration.ofMillis(100))
                .reconnectBackoffMax(Duration.ofSeconds(2))
                .pingInterval(pingInterval)
                .pingTimeout(pingTimeout)
                .bufferSize(16_384)
                .build());
        subscriptions.add(client.gaps().subscribe(t -> record(ChaosChecker.Entry.gapMarker(t, System.nanoTime()))));
        for (String t : topics) {
            subscriptions.add(client.subscribe(t).subscribe(this::onMessage, e -> errors.add(t + ": " + e)));
        }
    }

    private void onMessage(WsMessage m) {
        JsonNode d = m.data();
        String id = d != null && d.has("m") ? d.get("m").asString() : "(no id: " + m.type() + ")";
        record(ChaosChecker.Entry.delivery(m.topic(), id, m.offset(), System.nanoTime()));
    }

    private void record(ChaosChecker.Entry e) {
        synchronized (log) {
            log.add(e);
        }
    }

    String name() {
        return name;
    }

    List<String> topics() {
        return topics;
    }

    /** A copy of the log so far. */
    List<ChaosChecker.Entry> log() {
        synchronized (log) {
            return new ArrayList<>(log);
        }
    }

    /** Whether the message {@code id} was delivered on {@code topic}. */
    boolean received(String topic, String id) {
        synchronized (log) {
            for (int i = log.size() - 1; i >= 0; i--) {
                ChaosChecker.Entry e = log.get(i);
                if (!e.gap() && id.equals(e.id()) && topic.equals(e.topic())) {
                    return true;
                }
            }
            return false;
        }
    }

    List<String> errors() {
        return List.copyOf(errors);
    }

    boolean isConnected() {
        return client.isConnected();
    }

    String connectedUrl() {
        return client.connectedUrl();
    }

    long droppedMessages() {
        return client.droppedMessages();
    }

    @Override
    public void close() {
        subscriptions.dispose();
        client.disposeLater().block(Duration.ofSeconds(10));
    }
}
