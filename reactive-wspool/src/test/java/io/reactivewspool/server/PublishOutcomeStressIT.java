package io.reactivewspool.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Semaphore;
import java.util.function.Function;

import io.reactivewspool.history.HistoryOptions;
import io.reactivewspool.history.TopicHistory;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.test.HubFixture;
import io.reactivewspool.test.ReactorNettyTestClient;
import io.reactivewspool.test.RedisHubs;
import io.reactivewspool.testsupport.RedisServerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Several threads publish with an outcome to one topic with a history, on one node (in-memory
 * history) and on two nodes sharing a Redis history. At quiescence: the outcomes' offsets are
 * unique and gap-free, and each one was delivered to each subscriber exactly once.
 */
class PublishOutcomeStressIT {

    private static final Duration T = Duration.ofSeconds(120);
    private static final String TOPIC = "stress";
    private static final int THREADS = 4;
    private static final int IN_FLIGHT = 32;

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable r : resources) {
            r.close();
        }
    }

    @Test
    void concurrentPublishersOnOneNodeGetUniqueGapFreeOffsetsEachDeliveredOnce() throws Exception {
        int perThread = 1_000;
        HubFixture node = HubFixture.start(WsHubOptions.builder()
                .history(TopicHistory.inMemory(HistoryOptions.builder().size(100).build()))
                .outboundQueueSize(THREADS * perThread + 16)
                .closeDrainPeriod(Duration.ZERO)
                .build());
        resources.add(node);
        ReactorNettyTestClient sub = ReactorNettyTestClient.connect(node.wsUrl());
        resources.add(0, sub);
        sub.welcome();
        sub.send(WsMessage.subscribe(TOPIC));
        sub.next("subscribed");

        run(perThread, i -> node.hub(), List.of(sub));
    }

    @Test
    void concurrentPublishersOnTwoNodesSharingARedisHistoryGetUniqueGapFreeOffsetsEachDeliveredOnce() throws Exception {
        int perThread = 100;
        RedisServerProcess redis = RedisServerProcess.start();
        resources.add(redis);
        RedisHubs.warmUp(redis);
        RedisHubs hubs = RedisHubs.start(redis.uri(), Duration.ofSeconds(15), List.of("node-a", "node-b"), null, (broker, b) -> b
                // A history holding every message: a node that fetches what it missed under load must find it,
                // or it tells its subscribers a gap and the gap-free invariant cannot be checked.
                .history(broker.history(HistoryOptions.builder().size(THREADS * perThread).build(), WsCodec.json()))
                .outboundQueueSize(THREADS * perThread + 16));
        resources.add(0, hubs);
        List<ReactorNettyTestClient> subs = List.of(hubs.subscriber(0, TOPIC), hubs.subscriber(1, TOPIC));

        run(perThread, i -> hubs.node(i % 2).hub(), subs);
    }

    /** Thread {@code i} publishes {@code perThread} messages on {@code hubOf(i)}, {@link #IN_FLIGHT} at a time. */
    private static void run(int perThread, Function<Integer, WsHub> hubOf, List<ReactorNettyTestClient> subs)
            throws Exception {
        int total = THREADS * perThread;
        Queue<PublishResult> results = new ConcurrentLinkedQueue<>();
        Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
        CyclicBarrier start = new CyclicBarrier(THREADS);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            WsHub hub = hubOf.apply(t);
            int thread = t;
            Thread publisher = new Thread(() -> {
                try {
                    start.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                // Each thread keeps a bounded number of publishes waiting for their outcome, so that a
                // loaded machine does not run into the broker's command timeout.
                Semaphore inFlight = new Semaphore(IN_FLIGHT);
                for (int i = 0; i < perThread; i++) {
                    inFlight.acquireUninterruptibly();
                    hub.publish(TOPIC, "tick", Map.of("t", thread, "i", i)).doFinally(signal -> inFlight.release())
                            .subscribe(results::add, errors::add);
                }
            }, "publisher-" + t);
            publisher.start();
            threads.add(publisher);
        }
        for (Thread t : threads) {
            t.join(T.toMillis());
        }
        await().atMost(T).until(() -> results.size() + errors.size() == total);
        assertThat(errors).isEmpty();

        Set<String> offsets = new HashSet<>();
        Set<String> epochs = new HashSet<>();
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (PublishResult r : results) {
            assertThat(offsets.add(r.offset())).as("offset %s given twice", r.offset()).isTrue();
            epochs.add(r.epoch());
            min = Math.min(min, r.sequence());
            max = Math.max(max, r.sequence());
        }
        assertThat(epochs).hasSize(1);
        assertThat(max - min + 1).as("sequences %d..%d for %d messages", min, max, total).isEqualTo(total);

        for (ReactorNettyTestClient sub : subs) {
            await().atMost(T).alias("ticks delivered to a subscriber, of " + total)
                    .until(() -> sub.received().stream().filter(m -> m.is("tick")).count(), n -> n >= total);
            List<String> delivered = sub.received().stream().filter(m -> m.is("tick")).map(WsMessage::offset).toList();
            assertThat(delivered).as("offsets delivered to a subscriber").hasSize(total)
                    .doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(offsets);
        }
    }
}
