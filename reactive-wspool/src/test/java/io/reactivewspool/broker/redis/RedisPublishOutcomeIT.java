package io.reactivewspool.broker.redis;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

import io.reactivewspool.history.HistoryOptions;
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
