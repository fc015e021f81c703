package io.reactivewspool.broker.redis;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.reactivewspool.message.WsMessage;
import io.reactivewspool.test.HubFixture;
import io.reactivewspool.test.RawWsClient;
import io.reactivewspool.test.RedisHubs;
import io.reactivewspool.test.RedisServerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Three hubs in one JVM sharing one real redis-server through {@link RedisBroker} and its history. */
class RedisHubIT {

    private static final Duration T = Duration.ofSeconds(10);

    private RedisServerProcess redis;
    private RedisHubs hubs;

    @BeforeEach
    void start() {
        redis = RedisServerProcess.start();
        hubs = RedisHubs.withHistory(redis, 100, "node-a", "node-b", "node-c");
    }

    @AfterEach
    void stop() {
        hubs.close();
        redis.close();
    }

    private HubFixture node(int i) {
        return hubs.node(i);
    }

    private RawWsClient client(int node, String token) {
        return hubs.client(node, token);
    }

    private RawWsClient subscriber(int node, String topic) {
        return hubs.subscriber(node, topic);
    }

    private static long count(RawWsClient c, String type) {
        return c.received().stream().filter(m -> m.is(type)).count();
    }

    @Test
    void broadcastOnOneNodeReachesSubscribersOnTheOthersWithTheSameBytesAndOnceLocally() {
        RawWsClient onA = subscriber(0, "prices");
        RawWsClient onB = subscriber(1, "prices");
        RawWsClient onC = subscriber(2, "prices");

        assertThat(node(0).hub().broadcast("prices", "tick", Map.of("p", 42))).isEqualTo(1);

        WsMessage local = onA.next("tick");
        WsMessage remoteB = onB.next("tick");
        WsMessage remoteC = onC.next("tick");
        assertThat(local.offset()).isNotNull();
        // Same timestamp and offset: the envelope crossed Redis as it was encoded on A.
        assertThat(remoteB).isEqualTo(local);
        assertThat(remoteC).isEqualTo(local);

        node(1).hub().broadcast("prices", "tick", Map.of("p", 43));
        onA.next(m -> m.is("tick") && m.data().get("p").asInt() == 43);
        onB.next(m -> m.is("tick") && m.data().get("p").asInt() == 43);
        assertThat(count(onA, "tick")).isEqualTo(2);
        assertThat(count(onB, "tick")).isEqualTo(2);
    }

    @Test
    void clientPublishOnOneNodeReachesOtherNodesButNotItsSender() {
        RawWsClient publisher = client(0, "tok-bob");
        publisher.send(WsMessage.subscribe("chat"));
        publisher.next("subscribed");
        RawWsClient onB = subscriber(1, "chat");

        publisher.send(WsMessage.publish("chat", Map.of("text", "hi")).withId("p1"));
        assertThat(publisher.next("published").id()).isEqualTo("p1");
        WsMessage got = onB.next("data");
        assertThat(got.topic()).isEqualTo("chat");
        assertThat(got.data().get("text").asString()).isEqualTo("hi");
        assertThat(got.offset()).isNotNull();

        node(1).hub().broadcast("chat", "marker", 1); // after the publish on every node's channel
        publisher.next("marker");
        assertThat(count(publisher, "data")).isZero();
    }

    @Test
    void sendToUserReachesTheUsersConnectionsOnEveryNode() {
        RawWsClient aliceA = client(0, "tok-alice");
        RawWsClient aliceC = client(2, "tok-alice");
        RawWsClient bobB = client(1, "tok-bob");

        assertThat(node(1).hub().sendToUser("alice", "notice", Map.of("n", 1))).isZero();

        assertThat(aliceA.next("notice").data().get("n").asInt()).isEqualTo(1);
        assertThat(aliceC.next("notice").data().get("n").asInt()).isEqualTo(1);
        node(1).hub().sendToUser("bob", "notice", Map.of("n", 2));
        assertThat(bobB.next("notice").data().get("n").asInt()).isEqualTo(2);
        assertThat(count(bobB, "notice")).isEqualTo(1);
    }

    @Test
    void redisOutageWithHistoryDeliversNothingItCannotStoreCountsItAndCrossNodeDeliveryResumesAfterRestart() {
        RawWsClient onA = subscriber(0, "prices");
        RawWsClient onB = subscriber(1, "prices");
        node(0).hub().broadcast("prices", "tick", 0);
        onB.next("tick");

        redis.kill();
        long failedBefore = node(0).hub().stats().messagesFailed();
        for (int i = 1; i <= 5; i++) {
            node(0).hub().broadcast("prices", "tick", i);
        }
        // Not storable, so delivered nowhere: B could neither receive nor replay what A delivered.
        await().atMost(T).until(() -> node(0).hub().stats().messagesFailed() >= failedBefore + 5);
        assertThat(count(onA, "tick")).isEqualTo(1);
        assertThat(count(onB, "tick")).isEqualTo(1);
        assertThat(node(0).hub().isAccepting()).isTrue();

        redis.restart();
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
        redis.kill();
        RawWsClient onB = subscriber(1, "late"); // the broker cannot take the interest now: answered anyway
        RawWsClient onA = subscriber(0, "late");
        long failedBefore = node(1).hub().stats().messagesFailed();
        node(1).hub().broadcast("late", "tick", 0); // not storable while Redis is down: delivered nowhere, counted
        await().atMost(T).until(() -> node(1).hub().stats().messagesFailed() > failedBefore);
        assertThat(onB.received()).noneMatch(m -> m.is("tick"));

        redis.restart();
        int[] n = {100};
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
            node(0).hub().broadcast("late", "tick", n[0]++);
            return onB.received().stream().anyMatch(m -> m.is("tick") && m.data().asInt() >= 100);
        });
        assertThat(onA.received()).noneMatch(m -> m.is("tick") && m.data().asInt() == 0);
    }

    @Test
    void topicClientFailsOverToAnotherNodeAndResumesFromItsLastOffsetWithoutAGap() {
        io.reactivewspool.client.WsTopicClient client = io.reactivewspool.client.WsTopicClient.create(
                io.reactivewspool.client.WsTopicClientOptions.builder(node(0).wsUrl(), node(1).wsUrl())
                        .client(b -> b.bearerToken("tok-alice"))
                        .reconnectBackoffFirst(Duration.ofMillis(200)).reconnectBackoffMax(Duration.ofSeconds(1))
                        .build());
        List<WsMessage> got = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<String> gaps = new java.util.concurrent.CopyOnWriteArrayList<>();
        reactor.core.Disposable g = client.gaps().subscribe(gaps::add);
        reactor.core.Disposable s = client.subscribe("news").subscribe(got::add);
        try {
            await().atMost(T).until(() -> node(0).hub().stats().topicSubscribers().getOrDefault("news", 0) == 1);
            node(2).hub().broadcast("news", "story", 1);
            await().atMost(T).until(() -> got.size() == 1);

            node(0).close();
            for (int i = 2; i <= 4; i++) {
                node(2).hub().broadcast("news", "story", i); // while the client fails over: replayed by node B
            }
            await().atMost(T).until(() -> node(1).hub().stats().topicSubscribers().getOrDefault("news", 0) == 1);
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

    @Test
    void historyReplaysOnAnotherNodeFromOffsetsGivenByTheFirst() {
        RawWsClient onA = subscriber(0, "news");
        for (int i = 1; i <= 4; i++) {
            node(0).hub().broadcast("news", "story", i);
        }
        String seen = null;
        for (int i = 1; i <= 2; i++) {
            seen = onA.next("story").offset();
        }
        onA.next(m -> m.is("story") && m.data().asInt() == 4);

        RawWsClient onB = client(1, "tok-bob");
        onB.send(WsMessage.subscribe("news", seen).withId("r"));
        WsMessage reply = onB.next("subscribed");
        assertThat(reply.data().get("recovered").asBoolean()).isTrue();
        assertThat(onB.received()).extracting(m -> m.is("story") ? "story" + m.data().asInt() : m.type())
                .containsExactly("welcome", "story3", "story4", "subscribed");

        node(2).hub().broadcast("news", "story", 5);
        WsMessage live = onB.next("story");
        assertThat(live.data().asInt()).isEqualTo(5);
        assertThat(live.offset()).endsWith(":5");
    }
}
