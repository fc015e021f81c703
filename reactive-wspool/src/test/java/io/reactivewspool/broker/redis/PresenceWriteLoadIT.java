package io.reactivewspool.broker.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.reactivewspool.server.Authenticator;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.test.ReactorNettyTestClient;
import io.reactivewspool.test.HubFixture;
import io.reactivewspool.testsupport.RedisServerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What one node costs Redis while nothing happens: 100 connections of one user, each subscribed
 * to 100 topics of its own (10,000 idle topics, presence tracked on all of them), measured as
 * redis-server's {@code total_commands_processed} over a steady window. The cluster state TTL is
 * {@code -Dwspool.test.clusterStateTtl} (default 1 s, so the window sees several refreshes).
 */
class PresenceWriteLoadIT {

    private static final Duration T = Duration.ofSeconds(30);
    private static final int CONNECTIONS = 100;
    private static final int TOPICS_PER_CONNECTION = 100;
    private static final Duration TTL = Duration.parse(System.getProperty("wspool.test.clusterStateTtl", "PT1S"));
    /**
     * Per heartbeat a node sends at most: the heartbeat and mark SETs, the node index SADD and
     * PEXPIRE, one PEXPIRE per state hash (presence, stats) and a changed stats entry (HSET,
     * PEXPIRE): 8. Three heartbeats per TTL, plus the measuring INFO: the bound does not grow with topics.
     */
    private static final double MAX_COMMANDS_PER_SECOND = 8 * 3 / (TTL.toMillis() / 1000.0) + 2;

    private RedisServerProcess redis;
    private HubFixture node;
    private final List<ReactorNettyTestClient> clients = new ArrayList<>();
    private RedisClient probe;
    private StatefulRedisConnection<String, String> conn;

    @BeforeEach
    void start() {
        redis = RedisServerProcess.start();
        // A generous command timeout: the subscriptions' SUBSCRIBE burst and a loaded machine.
        RedisBroker broker = RedisBroker.connect(RedisBrokerOptions.builder(redis.uri()).nodeId("node-a")
                .commandTimeout(Duration.ofSeconds(10)).build()).block(T);
        node = HubFixture.start(WsHubOptions.builder()
                .broker(broker)
                .authenticator(Authenticator.tokens(Map.of("tok-alice", "alice")))
                .presenceTopics(List.of("load/*"))
                .clusterStateTtl(TTL)
                .maxTopicsPerConnection(TOPICS_PER_CONNECTION)
                .closeDrainPeriod(Duration.ZERO)
                .build());
        probe = RedisClient.create(redis.uri());
        conn = probe.connect();
    }

    @AfterEach
    void stop() {
        if (conn != null) {
            conn.close();
        }
        if (probe != null) {
            probe.shutdown();
        }
        clients.forEach(ReactorNettyTestClient::close);
        if (node != null) {
            node.close();
        }
        redis.close();
    }

    private long commandsProcessed() {
        String info = conn.sync().info("stats");
        for (String line : info.split("\r\n")) {
            if (line.startsWith("total_commands_processed:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        throw new AssertionError("no total_commands_processed in INFO stats: " + info);
    }

    /** Calls per command since the server started ({@code INFO commandstats}). */
    private Map<String, Long> commandCalls() {
        Map<String, Long> calls = new TreeMap<>();
        for (String line : conn.sync().info("commandstats").split("\r\n")) {
            if (line.startsWith("cmdstat_")) {
                String name = line.substring("cmdstat_".length(), line.indexOf(':'));
                String count = line.substring(line.indexOf("calls=") + "calls=".length());
                calls.put(name, Long.parseLong(count.substring(0, count.indexOf(','))));
            }
        }
        return calls;
    }

    private static Map<String, Long> minus(Map<String, Long> after, Map<String, Long> before) {
        Map<String, Long> out = new TreeMap<>();
        after.forEach((k, v) -> {
            long d = v - before.getOrDefault(k, 0L);
            if (d != 0) {
                out.put(k, d);
            }
        });
        return out;
    }

    private long pubsubChannels() {
        for (String line : conn.sync().info("stats").split("\r\n")) {
            if (line.startsWith("pubsub_channels:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        throw new AssertionError("no pubsub_channels in INFO stats");
    }

    @Test
    void tenThousandIdleTopicsCostRedisABoundedNumberOfCommandsPerSecond() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < CONNECTIONS; i++) {
            ReactorNettyTestClient c = ReactorNettyTestClient.connect(node.wsUrl() + "?token=tok-alice");
            clients.add(c);
            c.welcome();
            ids.add(c.received().get(0).data().get("connection_id").asString());
        }
        // A connection's topics at a time, each batch's SUBSCRIBEs taken by Redis before the next.
        for (int i = 0; i < CONNECTIONS; i++) {
            for (int t = 0; t < TOPICS_PER_CONNECTION; t++) {
                assertThat(node.hub().subscribe(ids.get(i), "load/" + i + "/" + t)).isTrue();
            }
            long subscribed = (i + 1L) * TOPICS_PER_CONNECTION;
            await().atMost(T).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10))
                    .until(() -> pubsubChannels() >= subscribed);
        }
        int topics = CONNECTIONS * TOPICS_PER_CONNECTION;
        await().atMost(T).until(() -> conn.sync().hlen("wspool:ns:presence:node-a") == topics);
        await().pollDelay(TTL).atMost(TTL.plus(T)).until(() -> true); // settle: one TTL

        Map<String, Long> callsBefore = commandCalls();
        long before = commandsProcessed();
        long t0 = System.nanoTime();
        Duration window = TTL.compareTo(Duration.ofSeconds(3)) < 0 ? Duration.ofSeconds(3) : TTL; // 3 heartbeats or more
        await().pollDelay(window).atMost(window.plus(T)).until(() -> true); // the measuring window
        long after = commandsProcessed();
        double seconds = (System.nanoTime() - t0) / 1e9;
        double perSecond = (after - before) / seconds;
        System.out.printf("presence load: %d idle topics, cluster state ttl %s: %d commands in %.1f s = %.1f commands/s %s%n",
                topics, TTL, after - before, seconds, perSecond, minus(commandCalls(), callsBefore));

        assertThat(perSecond).as("redis commands per second of one node with %d idle topics (ttl %s)", topics, TTL)
                .isLessThan(MAX_COMMANDS_PER_SECOND);
        assertThat(conn.sync().hlen("wspool:ns:presence:node-a")).as("every topic's entry, kept alive").isEqualTo(topics);
        assertThat(conn.sync().exists("wspool:nh:node-a")).as("the node's heartbeat").isOne();
    }
}
