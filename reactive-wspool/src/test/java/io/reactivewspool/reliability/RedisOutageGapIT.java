package io.reactivewspool.reliability;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import io.reactivewspool.broker.redis.RedisBroker;
import io.reactivewspool.broker.redis.RedisBrokerOptions;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.test.RawWsClient;
import io.reactivewspool.test.RedisHubs;
import io.reactivewspool.test.RedisServerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two hubs sharing one redis-server (broker and stream history); an application publishes on
 * node A without pause while Redis is killed and restarted (no persistence). A subscriber on node
 * B never misses a message silently: every message delivered anywhere reaches it, live or from the
 * history, or a {@code gap} message tells it where messages are missing.
 */
class RedisOutageGapIT {

    private static final String TOPIC = "ticks";
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Duration REDIS_BACK = Duration.ofSeconds(30);

    private RedisServerProcess redis;
    private RedisHubs hubs;
    private Disposable publisher;
    private final AtomicInteger published = new AtomicInteger();

    @BeforeEach
    void start() {
        redis = RedisServerProcess.start();
        // A first connection in a cold JVM on a loaded machine can take longer than the hubs' 1 s.
        RedisBroker.connect(RedisBrokerOptions.builder(redis.uri()).nodeId("warm-up").commandTimeout(Duration.ofSeconds(20))
                .build()).flatMap(RedisBroker::close).block(Duration.ofSeconds(30));
        hubs = RedisHubs.withHistory(redis, 1_000, "node-a", "node-b");
    }

    @AfterEach
    void stop() {
        if (publisher != null) {
            publisher.dispose();
        }
        if (hubs != null) {
            hubs.close();
        }
        redis.close();
    }

    private static int n(WsMessage m) {
        return m.data().asInt();
    }

    private static List<Integer> ticks(RawWsClient c) {
        return c.received().stream().filter(m -> m.is("tick")).map(RedisOutageGapIT::n).toList();
    }

    private static int lastTick(RawWsClient c) {
        List<Integer> t = ticks(c);
        return t.isEmpty() ? 0 : t.get(t.size() - 1);
    }

    @Test
    void messagesPublishedWhileRedisIsDownOrRestartingAreRecoveredOrReportedOnTheOtherNode() {
        RawWsClient onA = hubs.subscriber(0, TOPIC);
        RawWsClient onB = hubs.subscriber(1, TOPIC);
        publisher = Flux.interval(Duration.ofMillis(5))
                .subscribe(i -> hubs.node(0).hub().broadcast(TOPIC, "tick", published.incrementAndGet()));
        await().atMost(WAIT).until(() -> ticks(onB).size() >= 20);

        redis.kill();
        int atKill = published.get();
        await().atMost(WAIT).until(() -> published.get() >= atKill + 100);
        redis.restart();
        int atRestart = published.get();
        await().atMost(REDIS_BACK).until(() -> lastTick(onB) > atRestart + 100);
        publisher.dispose();
        // Quiescence: both nodes delivered the last message A delivered.
        await().atMost(WAIT).until(() -> lastTick(onA) == lastTick(onB) && lastTick(onA) == lastTick(onA));
        int last = published.get();

        List<Integer> onlyA = new ArrayList<>(ticks(onA));
        Set<Integer> gotB = Set.copyOf(ticks(onB));
        List<WsMessage> streamB = onB.received().stream().filter(m -> m.is("tick") || m.is("gap")).toList();
        List<Integer> silentlyMissing = new ArrayList<>();
        for (int missing : onlyA) {
            if (gotB.contains(missing) || gapReportedAround(streamB, missing)) {
                continue;
            }
            silentlyMissing.add(missing);
        }
        assertThat(silentlyMissing).as("delivered on A, neither received on B nor reported by a gap message there; "
                        + "B received %s", streamB.stream().map(m -> m.is("gap") ? "gap@" + m.data() : n(m) + "@" + m.offset())
                        .collect(Collectors.joining(", ")))
                .isEmpty();
        assertThat(ticks(onB)).as("B's messages in publishing order, each once").isSorted().doesNotHaveDuplicates();
        // What was delivered nowhere was refused on A: counted there.
        long nowhere = last - onlyA.stream().filter(gotB::contains).count() - onlyA.stream().filter(x -> !gotB.contains(x)).count();
        assertThat(hubs.node(0).hub().stats().messagesFailed()).as("messages delivered nowhere are counted on A")
                .isGreaterThanOrEqualTo(nowhere - gotB.stream().filter(x -> !onlyA.contains(x)).count());
        assertThat(streamB.stream().filter(m -> m.is("gap")))
                .allSatisfy(g -> {
                    assertThat(g.topic()).isEqualTo(TOPIC);
                    assertThat(g.data().get("offset").asString()).contains(":");
                });
    }

    /** Whether a gap message sits in B's stream after the last tick below {@code n} and before the first above it. */
    private static boolean gapReportedAround(List<WsMessage> stream, int n) {
        int after = -1;
        int before = stream.size();
        for (int i = 0; i < stream.size(); i++) {
            WsMessage m = stream.get(i);
            if (m.is("tick") && n(m) < n) {
                after = i;
            }
            if (m.is("tick") && n(m) > n && before == stream.size()) {
                before = i;
            }
        }
        for (int i = after + 1; i < before; i++) {
            if (stream.get(i).is("gap")) {
                return true;
            }
        }
        return false;
    }
}
