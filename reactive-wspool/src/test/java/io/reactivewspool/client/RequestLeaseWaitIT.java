package io.reactivewspool.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.reactivewspool.message.WsMessage;
import io.reactivewspool.test.EchoPoolFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Requests that find every connection the pool may open already on its way wait for a lease to join,
 * not in reactor-pool's queue behind leases that never come back: with callers always in flight a
 * lease's count never falls to zero, so a request queued for a lease of its own starved until its
 * acquire deadline (ClientPoolSampleIT hit it on a loaded machine: "acquire timed out after 5000ms
 * (size 8/8, idle 0, pending 39/1000)").
 */
class RequestLeaseWaitIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    final EchoPoolFixture echo = new EchoPoolFixture("lease-wait", Duration.ofSeconds(1));

    @Test
    void aColdPoolUnderMoreCallersThanConnectionsServesEveryRequestLongPastTheAcquireTimeout() {
        warmUp();
        int before = echo.server().acceptedConnections();
        WsClientPool pool = echo.pool(echo.options().minConnections(0).maxConnections(4).build());
        // 128 callers on 4 connections, each reply 10 ms late: the run lasts more than one acquire timeout.
        List<WsMessage> replies = Flux.range(0, 20_000)
                .flatMap(i -> pool.request(WsMessage.of("delay", null, Map.of("ms", 10, "n", i))), 128)
                .collectList()
                .block(WAIT);
        assertThat(replies).hasSize(20_000);
        assertThat(replies.stream().map(r -> r.data().get("n").asInt()).distinct().count()).isEqualTo(20_000);
        assertThat(echo.server().acceptedConnections() - before).isBetween(1, 4);
        awaitAtRest(pool);
    }

    private static void awaitAtRest(WsClientPool pool) {
        await().atMost(WAIT).untilAsserted(() -> {
            WsClientPoolMetrics m = pool.metrics();
            assertThat(m.acquired()).as("at rest: %s", m).isZero();
            assertThat(m.pending()).as("at rest: %s", m).isZero();
        });
    }

    /** Connecting in a cold JVM can outlast the short acquire timeouts below; the pools under test start cold all the same. */
    private void warmUp() {
        WsClientPool warm = WsClientPool.create(echo.options().name("warm-up").build());
        try {
            Flux.range(0, 200).flatMap(i -> warm.request(WsMessage.of("echo", null, Map.of("n", i))), 16).blockLast(WAIT);
        } finally {
            warm.disposeLater().block(WAIT);
        }
    }

    @Test
    void cancelsAndTimeoutsFromManyThreadsWhileRequestsWaitForLeasesLeaveNothingBehind() throws Exception {
        warmUp();
        WsClientPool pool = echo.pool(echo.options().minConnections(0).maxConnections(2).maxRequestsPerConnection(4)
                .acquireTimeout(Duration.ofMillis(300)).build());
        int threads = 4;
        ExecutorService callers = Executors.newFixedThreadPool(threads);
        AtomicInteger replies = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                runs.add(callers.submit(() -> Flux.range(0, 1_500)
                        .flatMap(i -> {
                            ThreadLocalRandom r = ThreadLocalRandom.current();
                            // Some callers give up (a cancel while waiting, acquiring or in flight), some replies are late.
                            return pool.request(WsMessage.of("delay", null, Map.of("ms", r.nextInt(4))))
                                    .timeout(Duration.ofMillis(r.nextInt(8) == 0 ? r.nextInt(1, 6) : 5_000))
                                    .doOnNext(reply -> replies.incrementAndGet())
                                    .onErrorResume(e -> {
                                        refused.incrementAndGet();
                                        return Mono.empty();
                                    });
                        }, 32)
                        .blockLast(WAIT)));
            }
            for (Future<?> run : runs) {
                run.get(60, TimeUnit.SECONDS);
            }
        } finally {
            callers.shutdownNow();
        }
        assertThat(replies.get() + refused.get()).isEqualTo(threads * 1_500);
        assertThat(replies.get()).as("most requests are answered").isGreaterThan(threads * 1_500 / 2);
        awaitAtRest(pool);
        // Every slot is still there: both can be borrowed at once, and requests are served afterwards.
        List<PooledWsConnection> both = Flux.range(0, 2).flatMap(i -> pool.acquire()).collectList().block(WAIT);
        assertThat(both).hasSize(2);
        Flux.fromIterable(both).flatMap(PooledWsConnection::release).blockLast(WAIT);
        assertThat(Flux.range(0, 200).flatMap(i -> pool.request(WsMessage.of("echo", null, Map.of("n", i))), 64)
                .count().block(WAIT)).isEqualTo(200);
    }
}
