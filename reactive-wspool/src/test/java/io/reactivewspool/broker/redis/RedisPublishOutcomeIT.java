package io.reactivewspool.broker.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import io.reactivewspool.history.HistoryOptions;
import io.reactivewspool.internal.history.HistoryOffset;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.PublishResult;
import io.reactivewspool.server.WsPublishException;
import io.reactivewspool.test.ReactorNettyTestClient;
import io.reactivewspool.test.RedisHubs;
import io.reactivewspool.testsupport.RedisServerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code WsHub.publish} on the Redis broker with a real redis-server: the outcome comes from Redis
 * (the history's append, then the PUBLISH), its offset is the one every node's subscribers get, and
 * a stopped Redis is told to the caller as a typed error, never only logged.
 */
class RedisPublishOutcomeIT {

    private static final Duration T = Duration.ofSeconds(30);
    private static final String TOPIC = "orders";
    private static final int FRESH_TOPICS = 40;
    private static final int PER_HUB = 5;
    /** Command timeout: the fixture's 1 s times out on a loaded machine; a stopped Redis fails at once anyway. */
    private static final Duration LOADED = Duration.ofSeconds(10);

    private RedisServerProcess redis;
    private RedisHubs hubs;

    @BeforeEach
    void start() {
        redis = RedisServerProcess.start();
        RedisHubs.warmUp(redis);
    }

    @AfterEach
    void stop() {
        if (hubs != null) {
            hubs.close();
        }
        redis.close();
    }

    @Test
    void theOffsetOfTheOutcomeIsTheOneSubscribersOnEveryNodeReceive() {
        hubs = RedisHubs.start(redis.uri(), LOADED, List.of("node-a", "node-b"), null, (broker, b) ->
                b.history(broker.history(HistoryOptions.builder().size(100).build(), WsCodec.json())));
        ReactorNettyTestClient here = hubs.subscriber(0, TOPIC);
        ReactorNettyTestClient there = hubs.subscriber(1, TOPIC);

        PublishResult first = hubs.node(0).hub().publish(TOPIC, "order_created", 1).block(T);
        PublishResult second = hubs.node(1).hub().publish(TOPIC, "order_created", 2).block(T);

        assertThat(first.localRecipients()).isEqualTo(1);
        assertThat(second.localRecipients()).isEqualTo(1);
        assertThat(second.epoch()).isEqualTo(first.epoch());
        assertThat(second.sequence()).as("one sequence for the topic across nodes").isEqualTo(first.sequence() + 1);
        for (ReactorNettyTestClient c : List.of(here, there)) {
            assertThat(c.next("order_created").offset()).isEqualTo(first.offset());
            assertThat(c.next("order_created").offset()).isEqualTo(second.offset());
        }
    }

    /**
     * The first subscriber of a topic on a hub gets the topic's messages in offset order from its first
     * one, whichever hub published them: a hub's own message, stored after one of another hub that is still
     * on its way through Redis, waits for it. Before, the first message a hub saw of a topic set where it
     * started, and an older one arriving after it was delivered late, out of order (seen under load in
     * {@link #theOffsetOfTheOutcomeIsTheOneSubscribersOnEveryNodeReceive}: offset 2 before 1 on the second hub).
     */
    @Test
    void bothHubsPublishingToFreshTopicsAtOnceReachTheirFirstSubscribersInOffsetOrder() throws Exception {
        hubs = RedisHubs.start(redis.uri(), LOADED, List.of("node-a", "node-b"), null, (broker, b) ->
                b.history(broker.history(HistoryOptions.builder().size(100).build(), WsCodec.json())));
        ExecutorService publishers = Executors.newFixedThreadPool(2);
        try {
            for (int t = 0; t < FRESH_TOPICS; t++) {
                String topic = "fresh-" + t;
                List<ReactorNettyTestClient> subscribers = List.of(hubs.subscriber(0, topic), hubs.subscriber(1, topic));
                CountDownLatch go = new CountDownLatch(1);
                List<Future<?>> sent = new ArrayList<>();
                for (int node = 0; node < 2; node++) {
                    int n = node;
                    sent.add(publishers.submit(() -> {
                        go.await();
                        for (int i = 0; i < PER_HUB; i++) {
                            hubs.node(n).hub().publish(topic, "m", n + "-" + i).block(T);
                        }
                        return null;
                    }));
                }
                go.countDown();
                for (Future<?> f : sent) {
                    f.get(60, TimeUnit.SECONDS);
                }
                for (int s = 0; s < subscribers.size(); s++) {
                    List<Long> seqs = new ArrayList<>();
                    for (int i = 0; i < 2 * PER_HUB; i++) {
                        WsMessage m = subscribers.get(s).next(x -> x.is("m") || x.is(WsMessage.GAP));
                        assertThat(m.type()).as("topic %s, subscriber on hub %d: a gap", topic, s).isEqualTo("m");
                        seqs.add(HistoryOffset.parse(m.offset()).seq());
                    }
                    assertThat(seqs).as("offsets of topic %s as the subscriber on hub %d got them", topic, s)
                            .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
                }
                subscribers.forEach(ReactorNettyTestClient::close);
            }
        } finally {
            publishers.shutdownNow();
        }
    }

    @Test
    void aStreamPublishedOnRedisKeepsItsOrderInOffsetsAndOnEveryNode() {
        int n = 3_000;
        hubs = RedisHubs.start(redis.uri(), LOADED, List.of("node-a", "node-b"), null, (broker, b) -> b
                .history(broker.history(HistoryOptions.builder().size(100).build(), WsCodec.json()))
                .outboundQueueSize(n + 16));
        ReactorNettyTestClient there = hubs.subscriber(1, TOPIC);

        List<PublishResult> results = hubs.node(0).hub().publishAll(TOPIC, "tick", Flux.range(0, n), 64)
                .collectList().block(Duration.ofSeconds(120));

        long first = results.get(0).sequence();
        for (int i = 0; i < n; i++) {
            assertThat(results.get(i).sequence()).as("sequence of element %d", i).isEqualTo(first + i);
        }
        await().atMost(Duration.ofSeconds(120)).until(() -> there.received().stream().filter(m -> m.is("tick")).count() >= n);
        assertThat(there.received().stream().filter(m -> m.is("tick")).map(m -> m.data().asInt()).toList())
                .as("order on the other node").isEqualTo(IntStream.range(0, n).boxed().toList());
    }

    @Test
    void aStoppedRedisFailsThePublishWithTheBrokersCauseAfterLocalDelivery() {
        hubs = RedisHubs.start(redis.uri(), LOADED, List.of("node-a"), null, (broker, b) -> b);
        ReactorNettyTestClient sub = hubs.subscriber(0, TOPIC);
        StepVerifier.create(hubs.node(0).hub().publish(TOPIC, "order_created", 1))
                .assertNext(r -> assertThat(r.localRecipients()).isEqualTo(1))
                .expectComplete()
                .verify(T);

        redis.kill();
        StepVerifier.create(hubs.node(0).hub().publish(TOPIC, "order_created", 2))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(WsPublishException.class);
                    WsPublishException p = (WsPublishException) e;
                    assertThat(p.reason()).isEqualTo(WsPublishException.Reason.BROKER_UNAVAILABLE);
                    assertThat(p.localRecipients()).isEqualTo(1);
                    assertThat(p.getMessage()).contains("topic 'orders'", "redis broker could not publish to 127.0.0.1:"
                            + redis.port(), "other nodes did not");
                })
                .verify(T);
        assertThat(sub.next("order_created").data().asInt()).isEqualTo(1);
        assertThat(sub.next("order_created").data().asInt()).as("delivered here before the broker failed").isEqualTo(2);
    }

    @Test
    void aStoppedRedisWithHistoryFailsNotStoredAndNobodyGetsIt() {
        hubs = RedisHubs.start(redis.uri(), LOADED, List.of("node-a"), null, (broker, b) ->
                b.history(broker.history(HistoryOptions.builder().size(100).build(), WsCodec.json())));
        ReactorNettyTestClient sub = hubs.subscriber(0, TOPIC);
        hubs.node(0).hub().publish(TOPIC, "order_created", 1).block(T);

        redis.kill();
        StepVerifier.create(hubs.node(0).hub().publish(TOPIC, "order_created", 2))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(WsPublishException.class);
                    WsPublishException p = (WsPublishException) e;
                    assertThat(p.reason()).isEqualTo(WsPublishException.Reason.NOT_STORED);
                    assertThat(p.localRecipients()).isZero();
                    assertThat(p.getMessage()).contains("topic 'orders'", "redis history could not store",
                            "reached nobody");
                })
                .verify(T);
        hubs.node(0).hub().sendToUser("alice", "marker", null);
        sub.next("marker");
        assertThat(sub.received().stream().filter(m -> m.is("order_created")).map(WsMessage::data)
                .map(d -> d.asInt())).containsExactly(1);
    }
}
