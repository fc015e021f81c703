package io.reactivewspool.broker.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.testsupport.RedisServerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.test.util.RaceTestUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A node's Redis channels follow its subscribers however their comings and goings interleave:
 * interest changes for one topic reach the broker in the order the topic's subscriber count
 * changed, so the last word is always the current one.
 */
class TopicInterestOrderIT {

    private static final Duration T = Duration.ofSeconds(30);
    private static final String CHANNELS = RedisBrokerOptions.DEFAULT_CHANNEL_PREFIX + ":t:";
    private static final List<String> TOPICS = List.of("t0", "t1", "t2", "t3", "t4", "t5");
    private static final int THREADS = 6;
    private static final int ROUNDS = 4_000;
    private static final int RACES = 1_500;
    private static final int TOPICS_PER_RACE = 5;

    private RedisServerProcess redis;
    private WsHub a;
    private WsHub b;
    private RedisBroker brokerA;
    private RedisClient inspector;
    private StatefulRedisConnection<String, String> redisCli;
    private final List<Disposable> held = new ArrayList<>();

    @BeforeEach
    void start() {
        redis = RedisServerProcess.start();
        brokerA = connect("node-a");
        a = WsHub.create(WsHubOptions.builder().broker(brokerA).closeDrainPeriod(Duration.ZERO).build());
        b = WsHub.create(WsHubOptions.builder().broker(connect("node-b")).closeDrainPeriod(Duration.ZERO).build());
        inspector = RedisClient.create(redis.uri());
        redisCli = inspector.connect();
    }

    @AfterEach
    void stop() {
        held.forEach(Disposable::dispose);
        if (redisCli != null) {
            redisCli.close();
            inspector.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        for (WsHub hub : new WsHub[] {a, b}) {
            if (hub != null) {
                hub.close().block(T);
            }
        }
        redis.close();
    }

    /** A broker with a command timeout that a loaded test machine keeps to. */
    private RedisBroker connect(String nodeId) {
        return RedisBroker.connect(RedisBrokerOptions.builder(redis.uri()).nodeId(nodeId)
                .commandTimeout(Duration.ofSeconds(10)).build()).block(T);
    }

    /** The topics some node has a Redis channel for (node B has none: it only publishes). */
    private Set<String> subscribedChannels() {
        return redisCli.sync().pubsubChannels(CHANNELS + "*").stream()
                .map(c -> c.substring(CHANNELS.length()))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private void assertChannels(String when, Set<String> wanted) {
        Set<String> channels = subscribedChannels();
        Set<String> deaf = new TreeSet<>(wanted);
        deaf.removeAll(channels);
        Set<String> extra = new TreeSet<>(channels);
        extra.removeAll(wanted);
        assertThat(deaf).as("%s: topics node A has subscribers for (%d) but no Redis channel", when, wanted.size()).isEmpty();
        assertThat(extra).as("%s: Redis channels of node A without subscribers", when).isEmpty();
    }

    @Test
    void nodeEndsSubscribedToExactlyTheTopicsItHasSubscribersForAndHearsOtherNodesThere() throws Exception {
        List<Map<String, Disposable>> perThread = new ArrayList<>();
        CyclicBarrier start = new CyclicBarrier(THREADS);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) {
            Map<String, Disposable> mine = new HashMap<>();
            perThread.add(mine);
            Thread th = new Thread(() -> {
                try {
                    start.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                ThreadLocalRandom random = ThreadLocalRandom.current();
                for (int r = 0; r < ROUNDS; r++) {
                    String topic = TOPICS.get(random.nextInt(TOPICS.size()));
                    Disposable d = mine.remove(topic);
                    if (d != null) {
                        d.dispose();
                    } else {
                        mine.put(topic, a.topic(topic).subscribe());
                    }
                }
            }, "interest-" + i);
            threads.add(th);
            th.start();
        }
        for (Thread th : threads) {
            th.join(T.toMillis());
            assertThat(th.isAlive()).as("%s finished", th.getName()).isFalse();
        }
        Set<String> wanted = new TreeSet<>();
        perThread.forEach(m -> {
            wanted.addAll(m.keySet());
            held.addAll(m.values());
        });
        // The exact interleaving, many times: topics' last subscribers leave while their next ones
        // arrive, one topic after another on each side; the newcomers stay.
        for (int i = 0; i < RACES; i++) {
            List<String> names = new ArrayList<>();
            for (int k = 0; k < TOPICS_PER_RACE; k++) {
                names.add("r" + i + "-" + k);
            }
            List<Disposable> last = names.stream().map(n -> a.topic(n).subscribe()).toList();
            List<Disposable> next = new ArrayList<>();
            RaceTestUtils.race(() -> last.forEach(Disposable::dispose),
                    () -> names.forEach(n -> next.add(a.topic(n).subscribe())));
            held.addAll(next);
            wanted.addAll(names);
        }

        await().atMost(T).untilAsserted(() -> assertChannels("at quiescence", wanted));
        assertThat(brokerA.stats().topicChannels())
                .as("topics node A's broker restores after a reconnect").isEqualTo(wanted.size());

        // A publish on node B reaches node A: on the randomly churned topics and on every fifth of
        // the raced ones, 50 at a time so that no buffer on the way is what the test measures.
        Map<String, WsMessage> heard = new ConcurrentHashMap<>();
        List<String> probed = wanted.stream().filter(t -> t.startsWith("t") || t.endsWith("-0")).toList();
        for (int from = 0; from < probed.size(); from += 50) {
            List<String> batch = probed.subList(from, Math.min(probed.size(), from + 50));
            for (String topic : batch) {
                held.add(a.topic(topic).subscribe(m -> heard.put(topic, m)));
                b.broadcast(topic, "from-b", Map.of("topic", topic));
            }
            await().atMost(T).untilAsserted(() -> assertThat(batch)
                    .as("topics whose broadcast from node B reached node A").allMatch(heard::containsKey));
        }

        // After a reconnect the broker restores exactly those channels.
        redisCli.sync().clientKill(KillArgs.Builder.typePubsub());
        await().atMost(T).untilAsserted(() -> assertChannels("after its subscriber connection was killed", wanted));
    }
}
