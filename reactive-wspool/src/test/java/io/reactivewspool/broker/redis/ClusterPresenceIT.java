package io.reactivewspool.broker.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.Presence;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.test.ReactorNettyTestClient;
import io.reactivewspool.test.RedisHubs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.test.util.RaceTestUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Presence between two hubs on one real redis-server, as Redis holds it: each node writes its
 * share of a tracked topic ({@code room/*}) when it changes and keeps it alive with one heartbeat
 * key (cluster state TTL 1 s); readers ignore a node whose heartbeat is gone.
 */
class ClusterPresenceIT {

    private static final Duration T = Duration.ofSeconds(20);
    private static final Duration TTL = Duration.ofSeconds(1);

    @RegisterExtension
    final RedisHubs hubs = RedisHubs.perTest(List.of("node-a", "node-b"), null,
            (broker, b) -> b.presenceTopics(List.of("room/*")).clusterStateTtl(TTL));
    private RedisClient probe;
    private StatefulRedisConnection<String, String> conn;

    @BeforeEach
    void start() {
        probe = RedisClient.create(hubs.redis().uri());
        conn = probe.connect();
    }

    @AfterEach
    void stop() {
        conn.close();
        probe.shutdown();
    }

    private RedisCommands<String, String> redis() {
        return conn.sync();
    }

    private WsHub hub(int node) {
        return hubs.node(node).hub();
    }

    private Presence presence(int node, String topic) {
        return hub(node).presence(topic).block(T);
    }

    private static String presenceKey(String node) {
        return "wspool:ns:presence:" + node;
    }

    private static String heartbeatKey(String node) {
        return "wspool:nh:" + node;
    }

    private static String idOf(ReactorNettyTestClient c) {
        return c.received().get(0).data().get("connection_id").asString();
    }

    @Test
    void joinAndLeaveOnEitherNodeShowOnBothAndAnEmptiedTopicLeavesNoEntry() {
        hubs.subscriber(0, "tok-alice", "room/1");
        ReactorNettyTestClient bob = hubs.subscriber(1, "tok-bob", "room/1");

        for (int node = 0; node < 2; node++) {
            int n = node;
            await().atMost(T).untilAsserted(() -> {
                Presence p = presence(n, "room/1");
                assertThat(p.users()).isEqualTo(Map.of("alice", 1, "bob", 1));
                assertThat(p.connections()).isEqualTo(2);
            });
        }
        assertThat(redis().hexists(presenceKey("node-b"), "room/1")).isTrue();

        bob.send(WsMessage.unsubscribe("room/1").withId("u"));
        bob.next("unsubscribed");

        await().atMost(T).untilAsserted(() -> assertThat(presence(0, "room/1").users()).isEqualTo(Map.of("alice", 1)));
        await().atMost(T).untilAsserted(() ->
                assertThat(redis().hexists(presenceKey("node-b"), "room/1")).as("node-b's emptied entry").isFalse());
    }

    @Test
    void aNodeWhoseHeartbeatLapsesIsIgnoredAtOnceAndComesBackWithItsNextHeartbeat() {
        hubs.subscriber(0, "tok-alice", "room/2");
        hubs.subscriber(1, "tok-bob", "room/2");
        await().atMost(T).until(() -> presence(0, "room/2").connections() == 2);

        // As if node-b had stopped beating for a TTL: its entries are still in Redis, but they no longer count.
        redis().del(heartbeatKey("node-b"));
        assertThat(redis().hexists(presenceKey("node-b"), "room/2")).isTrue();
        assertThat(presence(0, "room/2").users()).isEqualTo(Map.of("alice", 1));

        await().atMost(T).untilAsserted(() ->
                assertThat(presence(0, "room/2").users()).isEqualTo(Map.of("alice", 1, "bob", 1)));
    }

    @Test
    void aRedisThatLostItsDataGetsEveryNodesPresenceAndStatsBack() {
        hubs.subscriber(0, "tok-alice", "room/3");
        hubs.subscriber(1, "tok-bob", "room/3");
        await().atMost(T).until(() -> presence(0, "room/3").connections() == 2);

        redis().flushall(); // a restarted redis-server without persistence

        await().atMost(T).untilAsserted(() -> {
            assertThat(presence(0, "room/3").users()).isEqualTo(Map.of("alice", 1, "bob", 1));
            assertThat(presence(1, "room/3").users()).isEqualTo(Map.of("alice", 1, "bob", 1));
            assertThat(hub(0).admin().clusterStats().block(T)).containsOnlyKeys("node-a", "node-b");
        });
    }

    @Test
    void aKilledNodeDropsOutWithinTheTtlAndItsKeysExpire() {
        hubs.subscriber(0, "tok-alice", "room/4");
        hubs.subscriber(1, "tok-bob", "room/4");
        await().atMost(T).until(() -> presence(0, "room/4").connections() == 2);

        hubs.broker(1).close().block(T); // node-b stops writing without withdrawing anything, as a crash would

        await().atMost(T).untilAsserted(() -> assertThat(presence(0, "room/4").users()).isEqualTo(Map.of("alice", 1)));
        await().atMost(T).untilAsserted(() ->
                assertThat(redis().exists(heartbeatKey("node-b"), presenceKey("node-b"), "wspool:ns:stats:node-b"))
                        .as("node-b's keys after their TTL").isZero());
    }

    @Test
    void untrackedTopicsWriteNothingToRedisAndAskingTheirPresenceIsAnError() {
        ReactorNettyTestClient alice = hubs.subscriber(0, "tok-alice", "room/5");
        for (int i = 0; i < 50; i++) {
            assertThat(hub(0).subscribe(idOf(alice), "plain/" + i)).isTrue();
        }
        hubs.subscriber(1, "tok-bob", "plain/0");
        await().atMost(T).until(() -> presence(1, "room/5").connections() == 1);
        String stats = "wspool:ns:stats:node-b";
        await().atMost(T).until(() -> redis().hget(stats, "stats") != null); // node-b has written at least once since

        assertThat(redis().hkeys(presenceKey("node-a"))).containsExactly("room/5");
        assertThat(redis().exists(presenceKey("node-b"))).as("node-b tracks none of its topics").isZero();
        List<String> keys = redis().scan(ScanArgs.Builder.matches("*plain*").limit(10_000)).getKeys();
        assertThat(keys).isEmpty();
        for (int node = 0; node < 2; node++) {
            WsHub hub = hub(node);
            assertThatThrownBy(() -> hub.presence("plain/0"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("presence of topic 'plain/0' is not tracked");
        }
    }

    @Test
    void aRestartedNodeReplacesTheEntriesItsEarlierRunLeftUnderItsId() {
        hubs.subscriber(1, "tok-bob", "room/6");
        await().atMost(T).until(() -> presence(0, "room/6").connections() == 1);
        hubs.broker(1).close().block(T); // crashed: its entries stay until their TTL

        // Restarted at once under the same node id, without subscribers: its first heartbeat must not
        // keep the old run's entries alive.
        try (RedisHubs again = RedisHubs.start(hubs.redis(), List.of("node-b"),
                (broker, b) -> b.presenceTopics(List.of("room/*")).clusterStateTtl(TTL))) {
            await().atMost(T).untilAsserted(() -> assertThat(redis().exists(heartbeatKey("node-b"))).isOne());
            await().atMost(T).untilAsserted(() -> assertThat(presence(0, "room/6").connections()).isZero());
            await().pollDelay(TTL.multipliedBy(2)).atMost(T).untilAsserted(() ->
                    assertThat(presence(0, "room/6").connections()).as("two TTLs later").isZero());
        }
    }

    @Test
    void membershipChurnFromManyThreadsLeavesExactlyTheRegistrysPresenceInRedis() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            ids.add(idOf(hubs.client(0, i % 2 == 0 ? "tok-alice" : "tok-bob")));
        }
        List<String> topics = new ArrayList<>();
        for (int t = 0; t < 12; t++) {
            topics.add("room/churn-" + t);
        }
        Runnable churn = () -> {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            for (int op = 0; op < 3_000; op++) {
                String id = ids.get(random.nextInt(ids.size()));
                String topic = topics.get(random.nextInt(topics.size()));
                if (random.nextBoolean()) {
                    hub(0).subscribe(id, topic);
                } else {
                    hub(0).unsubscribe(id, topic);
                }
            }
        };
        RaceTestUtils.race(churn, churn, churn, churn);

        // At quiescence node-b sees node-a's registry exactly, and Redis holds an entry for the non-empty topics only.
        Map<String, Map<String, Integer>> truth = new HashMap<>();
        Set<String> nonEmpty = new TreeSet<>();
        for (String topic : topics) {
            Map<String, Integer> users = new TreeMap<>();
            hub(0).admin().connections(null, topic).forEach(c -> users.merge(c.userId(), 1, Integer::sum));
            truth.put(topic, users);
            if (!users.isEmpty()) {
                nonEmpty.add(topic);
            }
        }
        await().atMost(T).untilAsserted(() -> {
            for (String topic : topics) {
                assertThat(presence(1, topic).users()).as(topic).isEqualTo(truth.get(topic));
            }
            assertThat(new TreeSet<>(redis().hkeys(presenceKey("node-a")))).isEqualTo(nonEmpty);
        });
    }
}
