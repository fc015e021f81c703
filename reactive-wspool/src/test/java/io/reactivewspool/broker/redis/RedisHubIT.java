package io.reactivewspool.broker.redis;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.reactivewspool.client.WsTopicClient;
import io.reactivewspool.client.WsTopicClientOptions;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.test.HubFixture;
import io.reactivewspool.test.ReactorNettyTestClient;
import io.reactivewspool.test.RedisHubs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.Disposable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three hubs in one JVM sharing one real redis-server through {@link RedisBroker} and its history:
 * what a Redis outage does to them. What every broker promises (delivery to topics, users,
 * exclusions, history across nodes) is {@link io.reactivewspool.broker.BrokerContract}, run on
 * Redis by {@link RedisBrokerIT}.
 */
class RedisHubIT {

    private static final Duration T = Duration.ofSeconds(10);

    @RegisterExtension
    final RedisHubs hubs = RedisHubs.perTestWithHistory(100, "node-a", "node-b", "node-c");

    private HubFixture node(int i) {
        return hubs.node(i);
    }

    private ReactorNettyTestClient client(int node, String token) {
        return hubs.client(node, token);
    }

    private ReactorNettyTestClient subscriber(int node, String topic) {
        return hubs.subscriber(node, topic);
    }

    private static long count(ReactorNettyTestClient c, String type) {
        return c.received().stream().filter(m -> m.is(type)).count();
    }

    @Test
    void redisOutageWithHistoryDeliversNothingItCannotStoreCountsItAndCrossNodeDeliveryResumesAfterRestart() {
        ReactorNettyTestClient onA = subscriber(0, "prices");
        ReactorNettyTestClient onB = subscriber(1, "prices");
        node(0).hub().broadcast("prices", "tick", 0);
        onB.next("tick");

        hubs.redis().kill();
        long failedBefore = node(0).hub().admin().stats().messagesFailed();
        for (int i = 1; i <= 5; i++) {
            node(0).hub().broadcast("prices", "tick", i);
        }
        // Not storable, so delivered nowhere: B could neither receive nor replay what A delivered.
        await().atMost(T).until(() -> node(0).hub().admin().stats().messagesFailed() >= failedBefore + 5);
        assertThat(count(onA, "tick")).isEqualTo(1);
        assertThat(count(onB, "tick")).isEqualTo(1);
        assertThat(node(0).hub().isAccepting()).isTrue();

        hubs.redis().restart();
        int[] n = {100};
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
            node(0).hub().broadcast("prices", "tick", n[0]++);
            return onB.received().stream().anyMatch(m -> m.is("tick") && m.data().asInt() >= 100);
        });
        assertThat(onA.isClosed()).isFalse();
        assertThat(onB.isClosed()).isFalse();
    }

    @Test
    void topicFirstSubscribedWhileRedisIsDownIsCarriedOnceRedisIsBack() {
        hubs.redis().kill();
        ReactorNettyTestClient onB = subscriber(1, "late"); // the broker cannot take the interest now: answered anyway
        ReactorNettyTestClient onA = subscriber(0, "late");
        long failedBefore = node(1).hub().admin().stats().messagesFailed();
        node(1).hub().broadcast("late", "tick", 0); // not storable while Redis is down: delivered nowhere, counted
        await().atMost(T).until(() -> node(1).hub().admin().stats().messagesFailed() > failedBefore);
        assertThat(onB.received()).noneMatch(m -> m.is("tick"));

        hubs.redis().restart();
        int[] n = {100};
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
            node(0).hub().broadcast("late", "tick", n[0]++);
            return onB.received().stream().anyMatch(m -> m.is("tick") && m.data().asInt() >= 100);
        });
        assertThat(onA.received()).noneMatch(m -> m.is("tick") && m.data().asInt() == 0);
    }

    @Test
    void topicClientFailsOverToAnotherNodeAndResumesFromItsLastOffsetWithoutAGap() {
        WsTopicClient client = WsTopicClient.create(WsTopicClientOptions.builder(node(0).wsUrl(), node(1).wsUrl())
                        .client(b -> b.bearerToken("tok-alice"))
                        .reconnectBackoffFirst(Duration.ofMillis(200)).reconnectBackoffMax(Duration.ofSeconds(1))
                        .build());
        List<WsMessage> got = new CopyOnWriteArrayList<>();
        List<String> gaps = new CopyOnWriteArrayList<>();
        Disposable g = client.gaps().subscribe(gaps::add);
        Disposable s = client.subscribe("news").subscribe(got::add);
        try {
            await().atMost(T).until(() -> node(0).hub().admin().stats().topicSubscribers().getOrDefault("news", 0) == 1);
            node(2).hub().broadcast("news", "story", 1);
            await().atMost(T).until(() -> got.size() == 1);

            node(0).close();
            for (int i = 2; i <= 4; i++) {
                node(2).hub().broadcast("news", "story", i); // while the client fails over: replayed by node B
            }
            await().atMost(T).until(() -> node(1).hub().admin().stats().topicSubscribers().getOrDefault("news", 0) == 1);
            node(2).hub().broadcast("news", "story", 5);
            await().atMost(T).until(() -> got.size() == 5);
            assertThat(got).extracting(m -> m.data().asInt()).containsExactly(1, 2, 3, 4, 5);
            assertThat(client.connectedUrl()).isEqualTo(node(1).wsUrl());
            assertThat(gaps).isEmpty();
        } finally {
            s.dispose();
            g.dispose();
            client.disposeLater().block(T);
        }
    }
}
