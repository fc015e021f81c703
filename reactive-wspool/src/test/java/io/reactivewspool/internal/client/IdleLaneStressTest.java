package io.reactivewspool.internal.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import io.reactivewspool.WsPoolException;
import io.reactivewspool.client.PooledWsConnection;
import io.reactivewspool.client.ReuseOrder;
import io.reactivewspool.client.WsClientPoolOptions;
import io.reactivewspool.client.WsConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The pool's fast path (parked connections and acquires waiting in the {@link IdleLane}) under
 * threads that acquire with a short deadline, release inline or from another thread, invalidate,
 * cancel, and close the pool, with in-memory connections so that the races, not the network, are
 * what is exercised. At quiescence every slot is accounted for.
 */
class IdleLaneStressTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int MAX = 4;
    private static final int THREADS = 6;

    private final List<FakeWsConnection> made = new CopyOnWriteArrayList<>();
    private final Supplier<Mono<WsConnection>> connector = () -> Mono.fromSupplier(() -> {
        FakeWsConnection c = new FakeWsConnection(Schedulers.parallel());
        made.add(c);
        return c;
    });
    private DefaultWsClientPool pool;

    @AfterEach
    void close() {
        if (pool != null) {
            pool.disposeLater().block(WAIT);
        }
    }

    private DefaultWsClientPool pool(ReuseOrder order) {
        return new DefaultWsClientPool(WsClientPoolOptions.builder("ws://fake.test:9/ws").name("stress")
                .minConnections(0).maxConnections(MAX).maxPendingAcquires(10_000).acquireTimeout(Duration.ofMillis(3))
                .reuseOrder(order).healthCheckPeriod(Duration.ZERO).maxLifetime(Duration.ZERO).maxIdleTime(Duration.ZERO)
                .build(), connector);
    }

    /** Counts of what the callers saw; every acquire ends in exactly one of them. */
    private static final class Outcomes {
        final AtomicLong started = new AtomicLong();
        final AtomicLong served = new AtomicLong();
        final AtomicLong refused = new AtomicLong();
        final AtomicLong cancelled = new AtomicLong();
        final AtomicLong hung = new AtomicLong();
        final AtomicBoolean stop = new AtomicBoolean();
    }

    /** One caller's loop until {@code end}: acquire, then release inline, release from another thread, or invalidate; or cancel, at once or from another thread. */
    private void caller(long end, Outcomes out) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (System.nanoTime() < end && !out.stop.get()) {
            int dice = random.nextInt(100);
            out.started.incrementAndGet();
            if (dice < 10) {
                // A connection handed over just before the cancel still arrives; a lambda subscriber would drop it, as
                // Reactor drops a value that meets a cancel. This one gives back whatever it gets.
                BaseSubscriber<PooledWsConnection> giveBack = new BaseSubscriber<>() {
                    @Override
                    protected void hookOnNext(PooledWsConnection p) {
                        p.release().subscribe();
                    }

                    @Override
                    protected void hookOnError(Throwable e) {
                        // refused: nothing to give back
                    }
                };
                pool.acquire().subscribe(giveBack);
                if (dice < 5) {
                    giveBack.dispose();
                } else {
                    // cancelled from another thread while it waits, racing the hand-over of a released connection
                    Schedulers.parallel().schedule(giveBack::dispose);
                }
                out.cancelled.incrementAndGet();
                continue;
            }
            PooledWsConnection p;
            try {
                p = pool.acquire().onErrorResume(WsPoolException.class, e -> Mono.empty()).block(Duration.ofSeconds(5));
            } catch (IllegalStateException e) {
                out.hung.incrementAndGet();
                continue;
            }
            if (p == null) {
                out.refused.incrementAndGet();
                continue;
            }
            out.served.incrementAndGet();
            if (dice < 15) {
                p.invalidate().subscribe();
            } else if (dice < 40) {
                Schedulers.parallel().schedule(() -> p.release().subscribe());
            } else {
                p.release().subscribe();
            }
        }
    }

    private Outcomes hammer(Duration duration, Outcomes out) throws InterruptedException {
        long end = System.nanoTime() + duration.toNanos();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) {
            Thread t = new Thread(() -> caller(end, out), "stress-" + i);
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join(WAIT.toMillis());
            assertThat(t.isAlive()).as("caller thread finished").isFalse();
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(ReuseOrder.class)
    void acquireReleaseInvalidateAndCancelRacesLeakNoSlot(ReuseOrder order) throws InterruptedException {
        pool = pool(order);
        Outcomes out = hammer(Duration.ofSeconds(3), new Outcomes());

        assertThat(out.hung.get()).as("acquires that never answered").isZero();
        assertThat(out.served.get()).as("served").isPositive();
        assertThat(out.refused.get()).as("the race needs acquires that time out").isPositive();
        await().atMost(WAIT).untilAsserted(() -> assertThat(pool.metrics())
                .as("at rest").matches(m -> m.pending() == 0 && m.acquired() == 0, "pending and acquired 0"));
        assertThat(pool.metrics().idle()).as("idle at rest, " + pool.metrics()).isEqualTo(pool.metrics().allocated());
        assertThat(pool.lane().waiting()).isZero();

        List<PooledWsConnection> all = Flux.range(0, MAX).flatMap(i -> pool.acquire(), MAX).collectList().block(WAIT);
        assertThat(all).hasSize(MAX);
        assertThat(all.stream().map(PooledWsConnection::connection).distinct()).hasSize(MAX);
        assertThat(all).allSatisfy(p -> assertThat(p.connection().isActive()).isTrue());
        Flux.fromIterable(all).flatMap(PooledWsConnection::release).blockLast(WAIT);
        assertThat(pool.metrics().acquired()).isZero();
        await().atMost(WAIT).until(() -> made.stream().filter(c -> !c.isActive()).count() == pool.metrics().destroyed());
    }

    @ParameterizedTest
    @EnumSource(ReuseOrder.class)
    void closeRacingAcquiresAndReleasesAnswersEveryAcquireAndClosesEveryConnection(ReuseOrder order) throws InterruptedException {
        pool = pool(order);
        Outcomes out = new Outcomes();
        AtomicLong servedBeforeClose = new AtomicLong();
        Thread closer = new Thread(() -> {
            // let the callers get going, close under them, and let them meet the closed pool for a while
            await().atMost(WAIT).pollInterval(Duration.ofMillis(1)).until(() -> out.served.get() >= 1_000);
            servedBeforeClose.set(out.served.get());
            pool.disposeLater().block(WAIT);
            long refused = out.refused.get();
            await().atMost(WAIT).pollInterval(Duration.ofMillis(1)).until(() -> out.refused.get() >= refused + 200);
            out.stop.set(true);
        }, "closer");
        closer.start();
        hammer(WAIT, out);
        closer.join(WAIT.toMillis());

        assertThat(out.stop.get()).as("closed under load, then refused 200 acquires").isTrue();
        assertThat(out.hung.get()).as("acquires that never answered").isZero();
        assertThat(servedBeforeClose.get()).isGreaterThanOrEqualTo(1_000);
        await().atMost(WAIT).until(() -> made.stream().noneMatch(FakeWsConnection::isActive));
        assertThat(pool.lane().idle()).isZero();
        assertThat(pool.lane().waiting()).isZero();
    }
}
