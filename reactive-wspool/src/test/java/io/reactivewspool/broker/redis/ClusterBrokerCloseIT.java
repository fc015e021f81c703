package io.reactivewspool.broker.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.reactivewspool.broker.BrokerMessage;
import io.reactivewspool.broker.BrokerMessage.Kind;
import io.reactivewspool.test.ClassResource;
import io.reactivewspool.test.LeakRecorder;
import io.reactivewspool.test.RedisClusterProcesses;
import io.reactivewspool.testsupport.RedisServerProcess;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Closing a {@link RedisBroker} on a Redis Cluster whatever its connections are doing: the close
 * completes within a bound, and afterwards no connection of the broker is left on any node (each
 * names itself {@code wspool:PREFIX:NODE}, which CLIENT LIST shows).
 */
class ClusterBrokerCloseIT {

    /** The broker's own bound (two 2 s steps, then the event loops' 2.1 s) and slack for a loaded machine. */
    private static final Duration CLOSE_BOUND = Duration.ofSeconds(15);
    private static final int THREADS = 4;
    /** Operations each thread may have in flight: a hub waits for its broker calls too. */
    private static final int IN_FLIGHT = 64;
    private static final AtomicInteger PREFIXES = new AtomicInteger();
    @RegisterExtension
    static final ClassResource<RedisClusterProcesses> cluster = ClassResource.of(RedisClusterProcesses::start);

    private static RedisBroker connect(String prefix) {
        return RedisBroker.connect(RedisBrokerOptions.cluster(cluster.get().uris()).nodeId("stress").channelPrefix(prefix)
                .commandTimeout(Duration.ofSeconds(3)).build()).block(Duration.ofSeconds(30));
    }

    /** The CLIENT LIST lines, on every master, of connections named by the brokers of {@code prefix}. */
    private static List<String> connectionsOf(String prefix) {
        List<String> lines = new ArrayList<>();
        for (RedisServerProcess m : cluster.get().masters()) {
            for (String line : m.command("CLIENT", "LIST").split("\n")) {
                if (line.contains(" name=wspool:" + prefix + ":")) {
                    lines.add(m.port() + ": " + line.strip());
                }
            }
        }
        return lines;
    }

    /** One random operation on one of 256 topics (their slots fall on every master), without waiting for it. */
    private static Mono<Void> randomOperation(RedisBroker broker) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        String topic = "t" + random.nextInt(256);
        return switch (random.nextInt(3)) {
            case 0 -> broker.interest(topic, true);
            case 1 -> broker.interest(topic, false);
            default -> broker.publish(new BrokerMessage(Kind.TOPIC, topic, "{}".getBytes(StandardCharsets.UTF_8),
                    "other", Set.of()));
        };
    }

    @Test
    void closeWhileThreadsSubscribeUnsubscribeAndPublishAcrossSlotsEndsInTimeAndLeavesNoConnection() throws Exception {
        for (int round = 0; round < 3; round++) {
            String prefix = "close" + PREFIXES.incrementAndGet();
            RedisBroker broker = connect(prefix);
            Disposable in = broker.inbound().subscribe();
            assertThat(connectionsOf(prefix)).as("the broker's connections are named").isNotEmpty();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong done = new AtomicLong();
            CountDownLatch warmedUp = new CountDownLatch(THREADS);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                Semaphore inFlight = new Semaphore(IN_FLIGHT);
                Thread thread = new Thread(() -> {
                    for (int k = 0; !stop.get(); k++) {
                        inFlight.acquireUninterruptibly();
                        randomOperation(broker).doFinally(s -> {
                            done.incrementAndGet();
                            inFlight.release();
                        }).subscribe(null, e -> { });
                        if (k == 50) {
                            warmedUp.countDown();
                        }
                    }
                }, "close-stress-" + t);
                threads.add(thread);
                thread.start();
            }
            assertThat(warmedUp.await(30, TimeUnit.SECONDS)).isTrue();
            try {
                // Early in the broker's life: shard connections are still being opened on first use.
                broker.close().block(CLOSE_BOUND);
                // The threads go on after close: nothing they do may open a connection again.
                long atClose = done.get();
                await().atMost(Duration.ofSeconds(30)).until(() -> done.get() > atClose + 300);
            } finally {
                stop.set(true);
                for (Thread thread : threads) {
                    thread.join(30_000);
                }
                in.dispose();
            }
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(connectionsOf(prefix))
                    .as("connections of the closed broker %s", prefix).isEmpty());
        }
        assertThat(LeakRecorder.collectLeaks()).isEmpty();
    }
}
