package io.reactivewspool.server.netty;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;

import io.reactivewspool.history.HistoryOptions;
import io.reactivewspool.history.TopicHistory;
import io.reactivewspool.internal.history.HistoryOffset;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.LimitSpec;
import io.reactivewspool.server.TopicPolicy;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.test.HubFixture;
import io.reactivewspool.test.ReactorNettyTestClient;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Topic history in the hub over real loopback sockets: offsets, replay on subscribe with since, order. */
class HubHistoryIT {

    private static final Duration T = Duration.ofSeconds(10);

    private final List<AutoCloseable> resources = new ArrayList<>();

    private HubFixture hub(int historySize) {
        HubFixture f = HubFixture.start(WsHubOptions.builder()
                .topicPolicy(TopicPolicy.publishTo(List.of("*")))
                .history(TopicHistory.inMemory(HistoryOptions.builder().size(historySize).build()))
                // a full replay must fit a connection's queue (WsHubOptions.build checks it)
                .outboundQueueSize(Math.max(LimitSpec.DEFAULT_OUTBOUND_QUEUE_SIZE, historySize + 1))
                .closeDrainPeriod(Duration.ZERO)
                .build());
        resources.add(f);
        return f;
    }

    private ReactorNettyTestClient client(HubFixture f) {
        ReactorNettyTestClient c = f.client();
        resources.add(0, c);
        c.welcome();
        return c;
    }

    /** A client subscribed to {@code topic} (its {@code subscribed} answer read). */
    private ReactorNettyTestClient subscriber(HubFixture f, String topic) {
        ReactorNettyTestClient c = client(f);
        c.send(WsMessage.subscribe(topic));
        c.next("subscribed");
        return c;
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable r : resources) {
            r.close();
        }
    }

    private static long seq(WsMessage m) {
        return HistoryOffset.parse(m.offset()).seq();
    }

    @Test
    void broadcastsAndClientPublishesCarryIncreasingOffsets() {
        HubFixture f = hub(100);
        ReactorNettyTestClient sub = client(f);
        ReactorNettyTestClient pub = client(f);
        sub.send(WsMessage.subscribe("news").withId("s"));
        sub.next("subscribed");

        f.hub().broadcast("news", "alert", Map.of("n", 1));
        pub.send(WsMessage.publish("news", Map.of("n", 2)).withId("p"));
        assertThat(pub.next("published").id()).isEqualTo("p");

        WsMessage first = sub.next("alert");
        WsMessage second = sub.next("data");
        assertThat(first.offset()).isNotNull();
        assertThat(second.offset()).isNotNull();
        assertThat(seq(second)).isEqualTo(seq(first) + 1);
        assertThat(second.data().get("n").asInt()).isEqualTo(2);
        assertThat(pub.received()).noneMatch(m -> m.is("data")); // the sender is excluded
    }

    @Test
    void subscribeWithSinceReplaysMissedMessagesInOrderThenRepliesThenGoesLive() {
        HubFixture f = hub(100);
        ReactorNettyTestClient first = subscriber(f, "news");
        for (int i = 1; i <= 5; i++) {
            f.hub().broadcast("news", "tick", i);
        }
        String seen = null;
        for (int i = 1; i <= 2; i++) {
            seen = first.next("tick").offset();
        }

        ReactorNettyTestClient late = client(f);
        late.send(WsMessage.subscribe("news", seen).withId("r1"));
        WsMessage reply = late.next("subscribed");
        f.hub().broadcast("news", "tick", 6);
        late.next(m -> m.is("tick") && m.data().asInt() == 6);

        List<WsMessage> got = late.received();
        List<String> kinds = got.stream().map(m -> m.is("tick") ? "tick" + m.data().asInt() : m.type()).toList();
        assertThat(kinds).containsExactly("welcome", "tick3", "tick4", "tick5", "subscribed", "tick6");
        assertThat(reply.id()).isEqualTo("r1");
        assertThat(reply.data().get("recovered").asBoolean()).isTrue();
    }

    @Test
    void liveMessagesDuringRecoveryAreNeitherLostNorDuplicated() throws Exception {
        HubFixture f = hub(10_000);
        ReactorNettyTestClient first = subscriber(f, "news");
        f.hub().broadcast("news", "tick", 0);
        String since = first.next("tick").offset();

        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger sent = new AtomicInteger();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        Future<Integer> broadcaster = pool.submit(() -> {
            int i = 0;
            while (!stop.get() && i < 20_000) {
                f.hub().broadcast("news", "tick", ++i);
                sent.set(i);
                if (i == 50) {
                    started.countDown();
                }
                LockSupport.parkNanos(50_000);
            }
            return i;
        });
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        ReactorNettyTestClient late = client(f);
        late.send(WsMessage.subscribe("news", since).withId("r"));
        late.next("subscribed");
        int beforeReply = (int) late.received().stream().filter(m -> m.is("tick")).count();
        // Keep the broadcaster going past the reply, so live messages really follow it.
        int atReply = sent.get();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> sent.get() >= atReply + 20);
        stop.set(true);
        int last = broadcaster.get(10, TimeUnit.SECONDS);
        pool.shutdown();
        late.next(m -> m.is("tick") && m.data().asInt() == last);

        List<WsMessage> ticks = late.received().stream().filter(m -> m.is("tick")).toList();
        assertThat(ticks).extracting(m -> m.data().asInt())
                .containsExactlyElementsOf(IntStream.rangeClosed(1, last).boxed().toList());
        assertThat(beforeReply).as("replayed before the reply").isPositive().isLessThan(last);
        WsMessage reply = late.received().stream().filter(m -> m.is("subscribed")).findFirst().orElseThrow();
        assertThat(reply.data().get("recovered").asBoolean()).isTrue();
    }

    @Test
    void gapBeyondTheRingAnswersRecoveredFalseWithoutReplay() {
        HubFixture f = hub(3);
        ReactorNettyTestClient first = subscriber(f, "news");
        f.hub().broadcast("news", "tick", 0);
        String since = first.next("tick").offset();
        for (int i = 1; i <= 5; i++) {
            f.hub().broadcast("news", "tick", i);
        }

        ReactorNettyTestClient late = client(f);
        late.send(WsMessage.subscribe("news", since).withId("g"));
        WsMessage reply = late.next("subscribed");
        assertThat(reply.data().get("recovered").asBoolean()).isFalse();
        assertThat(reply.data().get("offset").asString()).endsWith(":6");
        f.hub().broadcast("news", "tick", 6);
        late.next("tick");
        assertThat(late.received()).extracting(WsMessage::type).containsExactly("welcome", "subscribed", "tick");
    }

    @Test
    void malformedSinceAnswersErrorAndDoesNotSubscribe() {
        HubFixture f = hub(10);
        ReactorNettyTestClient c = client(f);
        c.send(WsMessage.subscribe("news", "not-an-offset").withId("bad"));
        WsMessage r = c.next();
        assertThat(r.type()).isEqualTo("error");
        assertThat(r.id()).isEqualTo("bad");
        assertThat(r.error()).contains("data.since");
        assertThat(f.hub().admin().stats().topicSubscribers()).doesNotContainKey("news");
        assertThat(f.hub().broadcast("news", "tick", 1)).isZero();
    }

    @Test
    void concurrentPublishersKeepOffsetOrder() throws Exception {
        HubFixture f = hub(100);
        ReactorNettyTestClient sub = subscriber(f, "news");
        List<ReactorNettyTestClient> publishers = new ArrayList<>();
        for (int p = 0; p < 3; p++) {
            publishers.add(client(f));
        }
        int perPublisher = 300;
        ExecutorService pool = Executors.newFixedThreadPool(2);
        for (int t = 0; t < 2; t++) {
            pool.submit(() -> {
                for (int i = 0; i < perPublisher; i++) {
                    f.hub().broadcast("news", "data", i);
                }
            });
        }
        for (ReactorNettyTestClient p : publishers) {
            for (int i = 0; i < perPublisher; i++) {
                p.send(WsMessage.publish("news", i));
            }
        }
        int expected = 5 * perPublisher;
        await().atMost(T).until(() -> sub.received().stream().filter(m -> m.is("data")).count() == expected);
        pool.shutdown();

        List<Long> seqs = sub.received().stream().filter(m -> m.is("data")).map(HubHistoryIT::seq).toList();
        for (int i = 1; i < seqs.size(); i++) {
            assertThat(seqs.get(i)).as("offset #%d", i).isEqualTo(seqs.get(i - 1) + 1);
        }
    }
}
