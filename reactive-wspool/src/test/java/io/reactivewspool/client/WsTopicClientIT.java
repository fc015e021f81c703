package io.reactivewspool.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.reactivewspool.history.HistoryOptions;
import io.reactivewspool.history.TopicHistory;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.ConnectionInfo;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.test.HubFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The topic client against real hubs with in-memory history on loopback. */
class WsTopicClientIT {

    private static final Duration T = Duration.ofSeconds(10);

    private final List<HubFixture> hubs = new ArrayList<>();
    private final List<WsTopicClient> clients = new ArrayList<>();
    private final List<Disposable> subscriptions = new ArrayList<>();

    private HubFixture hub(int historySize) {
        HubFixture f = HubFixture.start(WsHubOptions.builder()
                .history(TopicHistory.inMemory(HistoryOptions.builder().size(historySize).build()))
                .closeDrainPeriod(Duration.ZERO)
                .build());
        hubs.add(f);
        return f;
    }

    private WsTopicClient client(HubFixture... targets) {
        List<String> urls = new ArrayList<>();
        for (HubFixture h : targets) {
            urls.add(h.wsUrl());
        }
        WsTopicClient c = WsTopicClient.create(WsTopicClientOptions.builder(urls)
                .reconnectBackoffFirst(Duration.ofMillis(200))
                .reconnectBackoffMax(Duration.ofSeconds(1))
                .build());
        clients.add(c);
        return c;
    }

    private List<WsMessage> collect(WsTopicClient c, String topic) {
        List<WsMessage> got = new CopyOnWriteArrayList<>();
        subscriptions.add(c.subscribe(topic).subscribe(got::add));
        return got;
    }

    /** As {@link #collect}, once the hub counts the subscription. */
    private List<WsMessage> collectSubscribed(HubFixture h, WsTopicClient c, String topic) {
        List<WsMessage> got = collect(c, topic);
        awaitSubscribed(h, topic, 1);
        return got;
    }

    /** The topics {@code c} reports gaps of, as they come. */
    private List<String> gaps(WsTopicClient c) {
        List<String> gaps = new CopyOnWriteArrayList<>();
        subscriptions.add(c.gaps().subscribe(gaps::add));
        return gaps;
    }

    /** Broadcasts story {@code n} on "news", then waits until {@code got} holds {@code size} messages. */
    private static void broadcastUntilReceived(HubFixture h, int n, List<WsMessage> got, int size) {
        h.hub().broadcast("news", "story", n);
        await().atMost(T).until(() -> got.size() == size);
    }

    private static void awaitSubscribed(HubFixture h, String topic, int n) {
        await().atMost(T).until(() -> h.hub().admin().stats().topicSubscribers().getOrDefault(topic, 0) == n);
    }

    /** Drops the hub side of every connection subscribed to {@code topic}. */
    private static void disconnectSubscribers(HubFixture h, String topic) {
        List<String> ids = h.hub().admin().connections(null, topic).stream().map(ConnectionInfo::connectionId).toList();
        h.hub().admin().disconnect(ids, "test drops you").block(T);
        awaitSubscribed(h, topic, 0);
    }

    @AfterEach
    void closeAll() {
        subscriptions.forEach(Disposable::dispose);
        for (WsTopicClient c : clients) {
            c.disposeLater().block(T);
        }
        hubs.forEach(HubFixture::close);
    }

    @Test
    void messagesPublishedWhileDisconnectedArriveAfterTheReconnectInOrder() {
        HubFixture h = hub(100);
        WsTopicClient c = client(h);
        List<String> gaps = gaps(c);
        List<WsMessage> got = collectSubscribed(h, c, "news");
        broadcastUntilReceived(h, 1, got, 1);

        disconnectSubscribers(h, "news");
        for (int i = 2; i <= 4; i++) {
            h.hub().broadcast("news", "story", i); // nobody subscribed on the hub now: history only
        }
        awaitSubscribed(h, "news", 1);
        h.hub().broadcast("news", "story", 5);

        await().atMost(T).until(() -> got.size() == 5);
        assertThat(got).extracting(m -> m.data().asInt()).containsExactly(1, 2, 3, 4, 5);
        assertThat(gaps).isEmpty();
        assertThat(c.isConnected()).isTrue();
    }

    @Test
    void failsOverToTheSecondUrlWhenTheFirstHubStopsAndSignalsTheGap() {
        HubFixture first = hub(100);
        HubFixture second = hub(100);
        WsTopicClient c = client(first, second);
        List<String> gaps = gaps(c);
        List<WsMessage> got = collectSubscribed(first, c, "news");
        assertThat(c.connectedUrl()).isEqualTo(first.wsUrl());
        broadcastUntilReceived(first, 1, got, 1);

        first.close();
        awaitSubscribed(second, "news", 1);
        assertThat(c.connectedUrl()).isEqualTo(second.wsUrl());
        broadcastUntilReceived(second, 2, got, 2);
        assertThat(got.get(1).data().asInt()).isEqualTo(2);
        // Another hub's history does not know the first hub's offsets: the application must reload.
        await().atMost(T).until(() -> gaps.equals(List.of("news")));
    }

    @Test
    void gapBeyondTheHistoryIsSignalledAndLiveMessagesContinue() {
        HubFixture h = hub(2);
        WsTopicClient c = client(h);
        List<String> gaps = gaps(c);
        List<WsMessage> got = collectSubscribed(h, c, "news");
        broadcastUntilReceived(h, 1, got, 1);

        disconnectSubscribers(h, "news");
        for (int i = 2; i <= 6; i++) {
            h.hub().broadcast("news", "story", i);
        }
        await().atMost(T).until(() -> gaps.equals(List.of("news")));
        broadcastUntilReceived(h, 7, got, 2);
        assertThat(got.get(1).data().asInt()).isEqualTo(7);

        // The client resumes from the hub's latest offset: the next reconnect has no gap.
        disconnectSubscribers(h, "news");
        broadcastUntilReceived(h, 8, got, 3);
        assertThat(got.get(2).data().asInt()).isEqualTo(8);
        assertThat(gaps).hasSize(1);
    }

    @Test
    void cancellingTheLastSubscriberOfATopicUnsubscribes() {
        HubFixture h = hub(10);
        WsTopicClient c = client(h);
        Disposable one = c.subscribe("news").subscribe();
        Disposable two = c.subscribe("news").subscribe();
        awaitSubscribed(h, "news", 1);
        assertThat(h.hub().admin().stats().activeConnections()).isEqualTo(1); // one shared connection

        one.dispose();
        h.hub().broadcast("news", "story", 1);
        assertThat(h.hub().admin().stats().topicSubscribers()).containsEntry("news", 1);
        two.dispose();
        await().atMost(T).until(() -> !h.hub().admin().stats().topicSubscribers().containsKey("news"));
    }

    @Test
    void closeEndsTheConnectionAndCompletesTopicStreams() {
        HubFixture h = hub(10);
        WsTopicClient c = client(h);
        List<WsMessage> got = collect(c, "news");
        boolean[] completed = {false};
        subscriptions.add(c.subscribe("other").subscribe(null, null, () -> completed[0] = true));
        awaitSubscribed(h, "other", 1);

        c.disposeLater().block(T);
        await().atMost(T).until(() -> h.hub().admin().stats().activeConnections() == 0);
        assertThat(completed[0]).isTrue();
        assertThat(got).isEmpty();
        assertThatThrownBy(() -> c.subscribe("news").blockFirst(T)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aGapMessageFromTheHubIsReportedOnGapsAndNotDeliveredAsATopicMessage() {
        HubFixture h = hub(100);
        WsTopicClient c = client(h);
        List<String> gaps = gaps(c);
        List<WsMessage> got = collectSubscribed(h, c, "news");
        String id = h.hub().admin().connections(null, "news").get(0).connectionId();

        h.hub().sendTo(id, WsMessage.builder(WsMessage.GAP).topic("news")
                .data(Map.of("offset", "e:0", "reason", "history reset")).build());
        h.hub().broadcast("news", "story", 1);

        await().atMost(T).until(() -> got.size() == 1);
        assertThat(gaps).containsExactly("news");
        assertThat(got).extracting(WsMessage::type).containsExactly("story");
    }
}
