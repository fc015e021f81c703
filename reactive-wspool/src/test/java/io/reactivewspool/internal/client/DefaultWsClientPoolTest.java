package io.reactivewspool.internal.client;

import java.net.ConnectException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import io.reactivewspool.RequestNotSentException;
import io.reactivewspool.WsClosedException;
import io.reactivewspool.WsPoolException;
import io.reactivewspool.client.PooledWsConnection;
import io.reactivewspool.client.ReuseOrder;
import io.reactivewspool.client.WsClientPoolOptions;
import io.reactivewspool.client.WsConnection;
import io.reactivewspool.message.WsMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

import static org.assertj.core.api.Assertions.assertThat;

/** The pool's logic with a fake connector, every timed behaviour in virtual time. */
class DefaultWsClientPoolTest {

    private static final Duration VERIFY = Duration.ofSeconds(10);
    private static final String URL = "ws://fake.test:9/ws";

    private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    private final List<Long> attemptTimes = new CopyOnWriteArrayList<>();
    private final List<FakeWsConnection> made = new CopyOnWriteArrayList<>();
    private volatile boolean refuse;
    private volatile Duration replyDelayOfNew = Duration.ZERO;
    private DefaultWsClientPool pool;

    private final Supplier<Mono<WsConnection>> connector = () -> Mono.defer(() -> {
        attemptTimes.add(vts.now(TimeUnit.MILLISECONDS));
        if (refuse) {
            return Mono.error(new ConnectException("Connection refused"));
        }
        FakeWsConnection c = new FakeWsConnection(vts);
        c.replyDelay = replyDelayOfNew;
        made.add(c);
        return Mono.just(c);
    });

    private static WsClientPoolOptions.Builder options() {
        return WsClientPoolOptions.builder(URL).name("test")
                .connectBackoffJitter(0).connectBackoffFirst(Duration.ofMillis(100)).connectBackoffMax(Duration.ofSeconds(1))
                .healthCheckPeriod(Duration.ZERO).maxLifetime(Duration.ZERO).maxIdleTime(Duration.ZERO);
    }

    private DefaultWsClientPool pool(WsClientPoolOptions options) {
        pool = new DefaultWsClientPool(options, connector, vts);
        vts.advanceTime();
        return pool;
    }

    @AfterEach
    void dispose() {
        if (pool != null) {
            pool.disposeLater().subscribe();
            vts.advanceTimeBy(Duration.ofMinutes(1));
        }
        vts.dispose();
    }

    private PooledWsConnection acquireNow() {
        PooledWsConnection[] out = new PooledWsConnection[1];
        pool.acquire().subscribe(p -> out[0] = p);
        vts.advanceTime();
        assertThat(out[0]).as("acquired").isNotNull();
        return out[0];
    }

    @Test
    void warmupOpensTheMinimum() {
        pool(options().minConnections(3).maxConnections(5).build());
        assertThat(pool.metrics().allocated()).isEqualTo(3);
        assertThat(pool.metrics().idle()).isEqualTo(3);
        assertThat(made).hasSize(3);
    }

    @Test
    void acquireMadeWhileThePoolWarmsUpGetsTheWarmedConnection() {
        Supplier<Mono<WsConnection>> slow = () -> connector.get().delayElement(Duration.ofMillis(300), vts);
        pool = new DefaultWsClientPool(options().minConnections(1).maxConnections(1).build(), slow, vts);
        StepVerifier.withVirtualTime(() -> pool.acquire(), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(299))
                .thenAwait(Duration.ofMillis(1))
                .assertNext(p -> assertThat(p.connection()).isSameAs(made.get(0)))
                .expectComplete()
                .verify(VERIFY);
        assertThat(made).hasSize(1);
    }

    @Test
    void connectAttemptsFollowTheBackoffWithoutAStorm() {
        refuse = true;
        pool(options().minConnections(1).connectMaxAttempts(5).build());
        vts.advanceTimeBy(Duration.ofMillis(1500));
        // exponential from 100 ms, capped at 1 s, no jitter
        assertThat(attemptTimes).containsExactly(0L, 100L, 300L, 700L, 1500L);
        vts.advanceTimeBy(Duration.ofMillis(8499));
        // after 5 failed attempts the top-up waits the max backoff before the next series: 4 series in 10 s
        assertThat(attemptTimes).hasSize(20);
        assertThat(attemptTimes.subList(5, 10)).containsExactly(2500L, 2600L, 2800L, 3200L, 4000L);
        assertThat(pool.metrics().failedConnects()).isEqualTo(20);
        assertThat(pool.metrics().allocated()).isZero();
    }

    @Test
    void unreachableServerFailsTheAcquireAfterItsTimeoutNamingUrlAndLastError() {
        refuse = true;
        WsClientPoolOptions o = options().minConnections(0).maxConnections(2).warmup(false).connectMaxAttempts(1000)
                .acquireTimeout(Duration.ofSeconds(2)).build();
        StepVerifier.withVirtualTime(() -> pool(o).acquire(), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(1999))
                .thenAwait(Duration.ofMillis(1))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(WsPoolException.class)
                        .hasMessageContaining("pool 'test'")
                        .hasMessageContaining(URL)
                        .hasMessageContaining("acquire timed out after 2000ms (size 1/2, idle 0, pending 0/1000)")
                        .hasMessageContaining("last connect error: ConnectException: Connection refused")
                        .satisfies(x -> assertThat(((WsPoolException) x).reason()).isEqualTo(WsPoolException.Reason.ACQUIRE_TIMEOUT)))
                .verify(VERIFY);
        assertThat(attemptTimes).containsExactly(0L, 100L, 300L, 700L, 1500L);
    }

    @Test
    void closedConnectionIsNeverHandedOutAgainAndIsReplacedToKeepTheMinimum() {
        pool(options().minConnections(2).maxConnections(4).build());
        PooledWsConnection first = acquireNow();
        FakeWsConnection dead = (FakeWsConnection) first.connection();
        first.release().subscribe();
        dead.dropByPeer(1011);
        for (int i = 0; i < 10; i++) {
            PooledWsConnection p = acquireNow();
            assertThat(p.connection()).isNotSameAs(dead);
            p.release().subscribe();
            vts.advanceTime();
        }
        vts.advanceTimeBy(Duration.ofSeconds(2));
        assertThat(pool.metrics().allocated()).isEqualTo(2);
        assertThat(made.stream().filter(FakeWsConnection::isActive).count()).isEqualTo(2);
        assertThat(pool.metrics().destroyed()).isEqualTo(1);
    }

    @Test
    void connectionThatFailsItsHealthCheckIsDestroyedAndReplaced() {
        pool(options().minConnections(1).healthCheckPeriod(Duration.ofSeconds(1)).healthCheckTimeout(Duration.ofMillis(200)).build());
        FakeWsConnection deaf = made.get(0);
        deaf.answersPings = false;
        vts.advanceTimeBy(Duration.ofMillis(1200));
        vts.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(deaf.isActive()).isFalse();
        assertThat(deaf.closeStatus.reason()).isEqualTo("health check failed");
        assertThat(pool.metrics().allocated()).isEqualTo(1);
        assertThat(acquireNow().connection()).isNotSameAs(deaf);
    }

    @Test
    void longIdleConnectionIsPingedBeforeHandOutAndSkippedWhenSilent() {
        pool(options().minConnections(1).validateAfterIdle(Duration.ofSeconds(5)).healthCheckTimeout(Duration.ofMillis(300)).build());
        PooledWsConnection p = acquireNow();
        FakeWsConnection deaf = (FakeWsConnection) p.connection();
        p.release().subscribe();
        deaf.answersPings = false;
        vts.advanceTimeBy(Duration.ofSeconds(6));
        PooledWsConnection[] out = new PooledWsConnection[1];
        pool.acquire().subscribe(x -> out[0] = x);
        vts.advanceTimeBy(Duration.ofMillis(299));
        assertThat(out[0]).as("waits for the pong").isNull();
        vts.advanceTimeBy(Duration.ofMillis(1));
        assertThat(out[0]).isNotNull();
        assertThat(out[0].connection()).isNotSameAs(deaf);
        assertThat(deaf.isActive()).isFalse();
    }

    @Test
    void acquireCancelledWhileThePingIsInFlightGivesTheConnectionBack() {
        pool(options().minConnections(1).maxConnections(1).validateAfterIdle(Duration.ofSeconds(5)).healthCheckTimeout(Duration.ofSeconds(1)).build());
        PooledWsConnection p = acquireNow();
        FakeWsConnection silent = (FakeWsConnection) p.connection();
        p.release().subscribe();
        silent.answersPings = false;
        vts.advanceTimeBy(Duration.ofSeconds(6));
        PooledWsConnection[] out = new PooledWsConnection[1];
        Disposable pending = pool.acquire().subscribe(x -> out[0] = x);
        vts.advanceTimeBy(Duration.ofMillis(100));
        assertThat(pool.metrics().acquired()).as("held while the ping is out").isEqualTo(1);
        pending.dispose();
        vts.advanceTime();
        assertThat(out[0]).isNull();
        assertThat(pool.metrics().acquired()).as("given back on cancel").isZero();
        assertThat(pool.metrics().idle()).isEqualTo(1);
        silent.answersPings = true;
        assertThat(acquireNow().connection()).isSameAs(silent);
    }

    @Test
    void oneAcquireMonoSubscribedTwiceBorrowsTwoSlotsAndEachIsReturnedOnce() {
        pool(options().minConnections(2).maxConnections(2).build());
        Mono<PooledWsConnection> acquire = pool.acquire();
        PooledWsConnection[] got = new PooledWsConnection[2];
        acquire.subscribe(x -> got[0] = x);
        acquire.subscribe(x -> got[1] = x);
        vts.advanceTime();
        assertThat(got[0].connection()).isNotSameAs(got[1].connection());
        assertThat(pool.metrics().acquired()).isEqualTo(2);
        Mono<Void> release = got[0].release();
        release.subscribe();
        release.subscribe();
        got[0].release().subscribe();
        vts.advanceTime();
        assertThat(pool.metrics().acquired()).isEqualTo(1);
        assertThat(pool.metrics().idle()).as("returned once, not three times").isEqualTo(1);
    }

    @Test
    void recentlyReleasedConnectionIsHandedOutWithoutAPing() {
        pool(options().minConnections(1).validateAfterIdle(Duration.ofSeconds(5)).build());
        PooledWsConnection p = acquireNow();
        FakeWsConnection deaf = (FakeWsConnection) p.connection();
        p.release().subscribe();
        deaf.answersPings = false;
        vts.advanceTimeBy(Duration.ofSeconds(4));
        PooledWsConnection again = acquireNow();
        assertThat(again.connection()).isSameAs(deaf);
    }

    @Test
    void poolGrowsToMaxUnderLoadAndShrinksToMinAfterTheIdleTime() {
        pool(options().minConnections(1).maxConnections(4).maxIdleTime(Duration.ofSeconds(30)).build());
        List<PooledWsConnection> held = List.of(acquireNow(), acquireNow(), acquireNow(), acquireNow());
        assertThat(pool.metrics().allocated()).isEqualTo(4);
        held.forEach(p -> p.release().subscribe());
        vts.advanceTime();
        assertThat(pool.metrics().idle()).isEqualTo(4);
        vts.advanceTimeBy(Duration.ofSeconds(29));
        assertThat(pool.metrics().allocated()).isEqualTo(4);
        vts.advanceTimeBy(Duration.ofSeconds(2));
        assertThat(pool.metrics().allocated()).isEqualTo(1);
        assertThat(pool.metrics().destroyed()).isEqualTo(3);
    }

    @Test
    void pendingAcquiresBeyondTheBoundFailAtOnce() {
        pool(options().minConnections(0).maxConnections(1).maxPendingAcquires(1).build());
        PooledWsConnection held = acquireNow();
        AtomicInteger waiting = new AtomicInteger();
        pool.acquire().subscribe(p -> waiting.incrementAndGet());
        StepVerifier.create(pool.acquire())
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(WsPoolException.class)
                        .hasMessageContaining("pool 'test' refused the acquire at once: 1 acquires are already waiting")
                        .hasMessageContaining("size 1/1, idle 0, pending 1/1"))
                .verify(VERIFY);
        held.release().subscribe();
        vts.advanceTime();
        assertThat(waiting.get()).isEqualTo(1);
    }

    @Test
    void maxLifetimeRotatesConnectionsWithoutFailingInFlightRequests() {
        pool(options().minConnections(1).maxConnections(2).maxLifetime(Duration.ofSeconds(10)).maxLifetimeJitter(0).build());
        FakeWsConnection old = made.get(0);
        old.replyDelay = Duration.ofSeconds(4);
        WsMessage[] reply = new WsMessage[2];
        Throwable[] error = new Throwable[1];
        vts.advanceTimeBy(Duration.ofSeconds(8));
        pool.request(WsMessage.of("slow")).subscribe(r -> reply[0] = r, e -> error[0] = e);
        vts.advanceTimeBy(Duration.ofMillis(2500));
        // past its lifetime: new requests go to a replacement while the old one drains, not closed
        pool.request(WsMessage.of("fresh")).subscribe(r -> reply[1] = r, e -> error[0] = e);
        vts.advanceTime();
        assertThat(made).hasSize(2);
        assertThat(reply[1].data().asString()).isEqualTo(made.get(1).id());
        assertThat(old.isActive()).isTrue();
        vts.advanceTimeBy(Duration.ofSeconds(2));
        assertThat(error[0]).isNull();
        assertThat(reply[0]).isNotNull();
        assertThat(reply[0].data().asString()).isEqualTo(old.id());
        assertThat(old.isActive()).isFalse();
        assertThat(old.closeStatus.reason()).isEqualTo("max lifetime");
        assertThat(pool.metrics().allocated()).isEqualTo(1);
    }

    @Test
    void requestsSpreadOverTheLeastLoadedConnectionsAndGrowThePoolAtTheLimitPerConnection() {
        replyDelayOfNew = Duration.ofSeconds(1);
        pool(options().minConnections(1).maxConnections(3).maxRequestsPerConnection(3).build());
        for (int i = 0; i < 9; i++) {
            pool.request(WsMessage.of("q")).subscribe();
            vts.advanceTime();
        }
        assertThat(made).as("grew to its maximum, three requests on each").hasSize(3)
                .allSatisfy(c -> assertThat(c.pendingRequests()).isEqualTo(3));
        // at the maximum with every connection at the limit: the least loaded ones take more instead of waiting
        pool.request(WsMessage.of("q")).subscribe();
        pool.request(WsMessage.of("q")).subscribe();
        assertThat(made).hasSize(3);
        assertThat(made.stream().mapToInt(FakeWsConnection::pendingRequests).sorted().toArray()).containsExactly(3, 4, 4);
        vts.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(pool.metrics().acquired()).as("every lease given back when its last request ended").isZero();
        assertThat(pool.metrics().idle()).isEqualTo(3);
    }

    @Test
    void requestNeverUsesAConnectionBorrowedExclusively() {
        pool(options().minConnections(1).maxConnections(2).build());
        PooledWsConnection held = acquireNow();
        WsMessage[] reply = new WsMessage[1];
        pool.request(WsMessage.of("q")).subscribe(r -> reply[0] = r);
        vts.advanceTime();
        assertThat(((FakeWsConnection) held.connection()).requests.get()).as("requests on the borrowed connection").isZero();
        assertThat(made).hasSize(2);
        assertThat(reply[0].data().asString()).isEqualTo(made.get(1).id());
        // and a borrower never gets a connection while it carries requests
        made.get(1).replyDelay = Duration.ofSeconds(1);
        pool.request(WsMessage.of("q")).subscribe();
        PooledWsConnection[] second = new PooledWsConnection[1];
        pool.acquire().subscribe(p -> second[0] = p);
        vts.advanceTimeBy(Duration.ofMillis(500));
        assertThat(second[0]).as("waits: one borrowed, one carrying a request").isNull();
        vts.advanceTimeBy(Duration.ofMillis(500));
        assertThat(second[0].connection()).isSameAs(made.get(1));
    }

    @Test
    void requestIsRetriedOnAnotherConnectionOnlyWhenItWasNeverSent() {
        pool(options().minConnections(2).maxConnections(2).build());
        FakeWsConnection a = made.get(0);
        FakeWsConnection b = made.get(1);
        PooledWsConnection first = acquireNow();
        PooledWsConnection second = acquireNow();
        // released last, so a is the one handed out next (most recently used)
        (first.connection() == a ? second : first).release().subscribe();
        (first.connection() == a ? first : second).release().subscribe();
        vts.advanceTime();
        a.requestFailure = new RequestNotSentException("not sent", 1006, "", null);
        b.replyDelay = Duration.ofMillis(10);
        StepVerifier.create(pool.request(WsMessage.of("q")))
                .then(() -> vts.advanceTimeBy(Duration.ofSeconds(1)))
                .assertNext(r -> assertThat(r.data().asString()).isNotEqualTo(a.id()))
                .expectComplete()
                .verify(VERIFY);
        assertThat(a.requests.get()).as("tried on a first").isEqualTo(1);
        assertThat(a.isActive()).as("a connection that could not write is destroyed").isFalse();

        made.forEach(c -> c.requestFailure = new WsClosedException("sent, then closed", 1006, ""));
        int before = made.stream().mapToInt(c -> c.requests.get()).sum();
        StepVerifier.create(pool.request(WsMessage.of("q")))
                .expectError(WsClosedException.class)
                .verify(VERIFY);
        assertThat(made.stream().mapToInt(c -> c.requests.get()).sum()).isEqualTo(before + 1);
    }

    @Test
    void resizeOpensUpToTheNewMinimumAndClosesAboveTheNewMaximum() {
        pool(options().minConnections(1).maxConnections(2).build());
        pool.resize(3, 5);
        vts.advanceTime();
        assertThat(pool.metrics().allocated()).isEqualTo(3);
        assertThat(pool.metrics().maxConnections()).isEqualTo(5);
        pool.resize(0, 1);
        vts.advanceTimeBy(Duration.ofSeconds(2));
        assertThat(pool.metrics().allocated()).isEqualTo(1);
    }

    @Test
    void hooksRunAroundConnectAcquireAndRelease() {
        AtomicInteger connects = new AtomicInteger();
        AtomicInteger acquireVetoes = new AtomicInteger();
        pool(options().minConnections(0).maxConnections(3).warmup(false)
                .connectHook(c -> connects.incrementAndGet() == 1 ? Mono.error(new IllegalStateException("no welcome")) : Mono.empty())
                .acquireHook(c -> Mono.just(acquireVetoes.getAndIncrement() > 0))
                .releaseHook(c -> Mono.just(Boolean.FALSE))
                .build());
        PooledWsConnection[] out = new PooledWsConnection[1];
        pool.acquire().subscribe(x -> out[0] = x);
        vts.advanceTimeBy(Duration.ofSeconds(1));
        PooledWsConnection p = out[0];
        assertThat(p).isNotNull();
        assertThat(pool.metrics().failedConnects()).isEqualTo(1);
        assertThat(made.get(0).isActive()).as("rejected by the connect hook").isFalse();
        assertThat(made.get(1).isActive()).as("vetoed by the acquire hook").isFalse();
        assertThat(p.connection()).isSameAs(made.get(2));
        p.release().subscribe();
        vts.advanceTime();
        assertThat(made.get(2).isActive()).as("release hook said no").isFalse();
        assertThat(pool.metrics().allocated()).isZero();
    }

    @Test
    void disposeClosesEveryConnectionWithNormalClosure() {
        pool(options().minConnections(2).maxConnections(3).build());
        PooledWsConnection held = acquireNow();
        StepVerifier.create(pool.disposeLater()).expectComplete().verify(VERIFY);
        assertThat(made).allSatisfy(c -> assertThat(c.closeStatus.code()).isEqualTo(1000));
        assertThat(held.connection().isActive()).isFalse();
        StepVerifier.create(pool.acquire())
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(WsPoolException.class).hasMessageContaining("closed"))
                .verify(VERIFY);
        pool = null;
    }

    @Test
    void acquireTimeoutCoversThePingOfALongIdleConnection() {
        pool(options().minConnections(1).maxConnections(1).validateAfterIdle(Duration.ofSeconds(5))
                .healthCheckTimeout(Duration.ofSeconds(5)).acquireTimeout(Duration.ofSeconds(1)).build());
        PooledWsConnection p = acquireNow();
        FakeWsConnection silent = (FakeWsConnection) p.connection();
        p.release().subscribe();
        silent.answersPings = false;
        vts.advanceTimeBy(Duration.ofSeconds(6));
        StepVerifier.withVirtualTime(() -> pool.acquire(), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(999))
                .thenAwait(Duration.ofMillis(1))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(WsPoolException.class)
                        .hasMessageContaining("acquire timed out after 1000ms"))
                .verify(VERIFY);
        assertThat(pool.metrics().acquired()).as("the slot under the ping is given back").isZero();
    }

    @Test
    void acquireTimeoutCoversReconnectingAfterAnIdleConnectionWasFoundDead() {
        pool(options().minConnections(1).maxConnections(1).connectMaxAttempts(1000).acquireTimeout(Duration.ofSeconds(2)).build());
        refuse = true;
        made.get(0).dropByPeer(1006);
        StepVerifier.withVirtualTime(() -> pool.acquire(), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(1999))
                .thenAwait(Duration.ofMillis(1))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(WsPoolException.class)
                        .hasMessageContaining("acquire timed out after 2000ms")
                        .hasMessageContaining("last connect error: ConnectException: Connection refused"))
                .verify(VERIFY);
    }

    @Test
    void lifetimeJitterSpreadsTheReplacementsOfConnectionsOpenedTogether() {
        pool(options().minConnections(40).maxConnections(40).maxLifetime(Duration.ofSeconds(100)).maxLifetimeJitter(0.5).build());
        List<FakeWsConnection> first = List.copyOf(made);
        assertThat(first).hasSize(40);
        long[] closedAt = new long[first.size()];
        for (int t = 1; t <= 101; t++) {
            vts.advanceTimeBy(Duration.ofSeconds(1));
            for (int i = 0; i < first.size(); i++) {
                if (closedAt[i] == 0 && !first.get(i).isActive()) {
                    closedAt[i] = t;
                }
            }
        }
        // each lifetime is 100 s shortened by a random part of up to 50 %, so uniform over 50..100 s
        assertThat(Arrays.stream(closedAt).min().getAsLong()).isGreaterThanOrEqualTo(50);
        assertThat(Arrays.stream(closedAt).max().getAsLong()).isLessThanOrEqualTo(101);
        long distinct = Arrays.stream(closedAt).distinct().count();
        long spread = Arrays.stream(closedAt).max().getAsLong() - Arrays.stream(closedAt).min().getAsLong();
        assertThat(distinct).as("distinct replacement seconds").isGreaterThanOrEqualTo(10);
        assertThat(spread).as("seconds between the first and the last replacement").isGreaterThanOrEqualTo(25);
        assertThat(pool.metrics().allocated()).as("each was replaced").isEqualTo(40);
    }

    @Test
    void connectRetriesAreJitteredWithinTheirBounds() {
        refuse = true;
        pool(options().minConnections(1).connectMaxAttempts(9).connectBackoffJitter(0.5)
                .connectBackoffFirst(Duration.ofMillis(100)).connectBackoffMax(Duration.ofSeconds(100)).build());
        vts.advanceTimeBy(Duration.ofSeconds(60));
        assertThat(attemptTimes.size()).isGreaterThanOrEqualTo(9);
        double[] ratios = new double[8];
        for (int i = 0; i < 8; i++) {
            long nominal = 100L << i;
            long gap = attemptTimes.get(i + 1) - attemptTimes.get(i);
            // Reactor's jitter: the delay is nominal ± jitter × nominal
            assertThat(gap).as("gap %d", i).isBetween(nominal / 2, nominal * 3 / 2);
            ratios[i] = (double) gap / nominal;
        }
        double spread = Arrays.stream(ratios).max().getAsDouble() - Arrays.stream(ratios).min().getAsDouble();
        assertThat(spread).as("gap / nominal delay of 8 retries: " + Arrays.toString(ratios)).isGreaterThan(0.1);
    }

    @Test
    void mostRecentlyUsedHandsOutTheConnectionReleasedLast() {
        assertThat(handedOutAfterReleasingInOrder(ReuseOrder.MOST_RECENTLY_USED)).isEqualTo(2);
    }

    @Test
    void leastRecentlyUsedHandsOutTheConnectionIdleLongest() {
        assertThat(handedOutAfterReleasingInOrder(ReuseOrder.LEAST_RECENTLY_USED)).isEqualTo(0);
    }

    /** Borrows all three connections, gives them back in order 0, 1, 2 and answers which one the next acquire gets. */
    private int handedOutAfterReleasingInOrder(ReuseOrder order) {
        pool(options().minConnections(3).maxConnections(3).reuseOrder(order).build());
        List<PooledWsConnection> held = List.of(acquireNow(), acquireNow(), acquireNow());
        for (PooledWsConnection p : held) {
            p.release().subscribe();
            vts.advanceTimeBy(Duration.ofMillis(10));
        }
        WsConnection next = acquireNow().connection();
        return held.stream().map(PooledWsConnection::connection).toList().indexOf(next);
    }
}
