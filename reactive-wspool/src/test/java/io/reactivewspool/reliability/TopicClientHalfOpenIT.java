package io.reactivewspool.reliability;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;

import io.reactivewspool.client.WsTopicClient;
import io.reactivewspool.client.WsTopicClientOptions;
import io.reactivewspool.history.HistoryOptions;
import io.reactivewspool.history.TopicHistory;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.test.HubFixture;
import io.reactivewspool.testsupport.TcpFaultProxy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.Disposables;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The topic client behind a network path that freezes without a FIN, an RST or a close frame
 * ({@link TcpFaultProxy}): its liveness ping finds the silent connection, and it reconnects
 * through a fresh path, subscribes again from its offsets and gets what was published meanwhile
 * from the hub's history.
 */
class TopicClientHalfOpenIT {

    private static final Duration PING_INTERVAL = Duration.ofMillis(500);
    /** A pong through the proxy on a loaded 2-core machine was measured at 1.3 s (HalfOpenIT). */
    private static final Duration PING_TIMEOUT = Duration.ofSeconds(2);
    /** The promise is pingInterval + pingTimeout; the slack is for a loaded machine. */
    private static final Duration DETECTS = PING_INTERVAL.plus(PING_TIMEOUT).plusSeconds(5);
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final List<String> TOPICS = List.of("news", "prices");

    private HubFixture hub;
    private TcpFaultProxy proxy;
    private WsTopicClient client;
    private final Disposable.Composite subscriptions = Disposables.composite();

    @BeforeEach
    void start() {
        hub = HubFixture.start(WsHubOptions.builder()
                .history(TopicHistory.inMemory(HistoryOptions.builder().size(1000).build()))
                .closeDrainPeriod(Duration.ZERO)
                .build());
        proxy = TcpFaultProxy.to(hub.server().port());
        client = WsTopicClient.create(WsTopicClientOptions.builder("ws://127.0.0.1:" + proxy.port() + "/ws")
                .client(b -> b.closeTimeout(Duration.ofMillis(500)))
                .pingInterval(PING_INTERVAL)
                .pingTimeout(PING_TIMEOUT)
                .reconnectBackoffFirst(Duration.ofMillis(50))
                .reconnectBackoffMax(Duration.ofMillis(300))
                .build());
    }

    @AfterEach
    void stop() {
        subscriptions.dispose();
        client.disposeLater().block(WAIT);
        hub.close();
        proxy.close();
    }

    private void awaitSubscribers(String topic, int n) {
        await().atMost(WAIT).until(() -> hub.hub().admin().stats().topicSubscribers().getOrDefault(topic, 0) == n);
    }

    private static List<Integer> numbers(List<WsMessage> got) {
        return got.stream().map(m -> m.data().asInt()).toList();
    }

    @Test
    void silentPartitionIsFoundByThePingAndEveryTopicResumesFromItsOffsetWithNothingMissingOrDuplicated() {
        List<WsMessage> news = new CopyOnWriteArrayList<>();
        List<WsMessage> prices = new CopyOnWriteArrayList<>();
        List<String> gaps = new CopyOnWriteArrayList<>();
        subscriptions.add(client.subscribe("news").subscribe(news::add));
        subscriptions.add(client.subscribe("prices").subscribe(prices::add));
        subscriptions.add(client.gaps().subscribe(gaps::add));
        TOPICS.forEach(t -> awaitSubscribers(t, 1));
        hub.hub().broadcast("news", "story", 1);
        hub.hub().broadcast("prices", "quote", 1);
        await().atMost(WAIT).until(() -> news.size() == 1 && prices.size() == 1);
        // Pings answered on a live, idle connection: it is not taken for dead.
        await("a live connection is kept").during(PING_INTERVAL.plus(PING_TIMEOUT)).atMost(WAIT)
                .until(() -> proxy.acceptedConnections() == 1 && client.isConnected());

        assertThat(proxy.freeze()).isEqualTo(1);
        long frozenAt = System.nanoTime();
        for (int i = 2; i <= 20; i++) {
            hub.hub().broadcast("news", "story", i); // into the dead path and the history
            hub.hub().broadcast("prices", "quote", i);
        }

        await("the client takes the frozen connection for dead and connects through a new path")
                .atMost(DETECTS).until(() -> proxy.acceptedConnections() >= 2);
        long detectedMs = (System.nanoTime() - frozenAt) / 1_000_000;
        // The hub still holds the frozen connection (its own heartbeat has not timed it out): two subscribers.
        TOPICS.forEach(t -> awaitSubscribers(t, 2));
        await().atMost(WAIT).until(() -> news.size() == 20 && prices.size() == 20);
        hub.hub().broadcast("news", "story", 21);
        hub.hub().broadcast("prices", "quote", 21);
        await().atMost(WAIT).until(() -> news.size() >= 21 && prices.size() >= 21);

        List<Integer> all = IntStream.rangeClosed(1, 21).boxed().toList();
        assertThat(numbers(news)).as("news after the partition").isEqualTo(all);
        assertThat(numbers(prices)).as("prices after the partition").isEqualTo(all);
        assertThat(gaps).isEmpty();
        assertThat(client.isConnected()).isTrue();
        assertThat(proxy.acceptedConnections()).isEqualTo(2);
        // The client let go of the frozen socket (close frame unanswered, dropped after closeTimeout).
        await().atMost(WAIT).until(() -> proxy.openLinks() == 1);
        System.out.printf("topic client found the frozen path after %d ms (pingInterval %d ms + pingTimeout %d ms)%n",
                detectedMs, PING_INTERVAL.toMillis(), PING_TIMEOUT.toMillis());
    }
}
