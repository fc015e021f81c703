package io.reactivewspool.client;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import io.reactivewspool.WsPoolException;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.test.EchoPoolFixture;
import io.reactivewspool.test.EchoWsServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The pool against a real Reactor Netty WebSocket server on loopback. */
class WsClientPoolIT {

    private static final Duration WAIT = Duration.ofSeconds(15);

    @RegisterExtension
    final EchoPoolFixture echo = new EchoPoolFixture("it", Duration.ofSeconds(5));
    private WsClientPool pool;

    @Test
    void manyConcurrentRequestsShareTheMinimumConnections() {
        pool = echo.pool(echo.options().minConnections(4).maxConnections(8).build());
        await().atMost(WAIT).until(() -> pool.metrics().allocated() == 4);
        List<WsMessage> replies = Flux.range(0, 1000)
                .flatMap(i -> pool.request(WsMessage.of("echo", null, Map.of("n", i))), 256)
                .collectList().block(WAIT);
        assertThat(replies).hasSize(1000);
        assertThat(echo.server().acceptedConnections()).isEqualTo(4);
    }

    @Test
    void connectionClosedByTheServerIsReplacedSoTheMinimumHolds() {
        pool = echo.pool(echo.options().minConnections(2).maxConnections(4).healthCheckPeriod(Duration.ofMillis(200)).build());
        await().atMost(WAIT).until(() -> echo.server().openConnections() == 2);
        List<WsConnection> before = Flux.range(0, 2).flatMap(i -> pool.acquire()).collectList().block(WAIT)
                .stream().map(p -> {
                    p.release().block(WAIT);
                    return p.connection();
                }).toList();
        echo.server().closeAll(1011, "boom");
        await().atMost(WAIT).until(() -> before.stream().noneMatch(WsConnection::isActive));
        await().atMost(WAIT).until(() -> pool.metrics().allocated() == 2 && echo.server().openConnections() == 2
                && pool.metrics().created() == 4);
        for (int i = 0; i < 4; i++) {
            PooledWsConnection p = pool.acquire().block(WAIT);
            assertThat(before).doesNotContain(p.connection());
            assertThat(p.connection().isActive()).isTrue();
            p.release().block(WAIT);
        }
    }

    @Test
    void unhealthyConnectionIsNeverHandedOut() {
        try (EchoWsServer deaf = EchoWsServer.ignoringPings()) {
            pool = echo.pool(WsClientPoolOptions.builder(deaf.url()).name("deaf")
                    .minConnections(1).maxConnections(1)
                    .validateAfterIdle(Duration.ZERO)
                    .healthCheckPeriod(Duration.ofMillis(300))
                    .healthCheckTimeout(Duration.ofMillis(200))
                    .build());
            PooledWsConnection first = pool.acquire().block(WAIT);
            first.release().block(WAIT);
            // handed out before: pinged now, the peer stays silent, so the pool opens another one
            PooledWsConnection second = pool.acquire().block(WAIT);
            assertThat(second.connection()).isNotSameAs(first.connection());
            assertThat(first.connection().isActive()).isFalse();
            second.release().block(WAIT);
            // the background health check finds the second one silent too, and replaces it
            // The server counts a ping when its event loop reads it, and the pool counts a destroyed
            // connection when its close completes: neither is ordered before the replacement, so await them too.
            await().atMost(WAIT).untilAsserted(() -> {
                assertThat(second.connection().isActive()).isFalse();
                assertThat(pool.metrics().created()).isGreaterThanOrEqualTo(3);
                assertThat(pool.metrics().allocated()).isEqualTo(1);
                assertThat(deaf.pingsIgnored()).isGreaterThanOrEqualTo(2);
                assertThat(pool.metrics().destroyed()).isGreaterThanOrEqualTo(2);
            });
        }
    }

    @Test
    void poolGrowsToMaxUnderLoadAndShrinksToMinAfterTheIdleTime() {
        pool = echo.pool(echo.options().minConnections(1).maxConnections(4).maxIdleTime(Duration.ofMillis(500)).build());
        AtomicInteger peak = new AtomicInteger();
        Flux.range(0, 16)
                .flatMap(i -> pool.withConnection(c -> c.request(WsMessage.of("delay", null, Map.of("ms", 100)))
                        .doOnNext(r -> peak.accumulateAndGet(pool.metrics().allocated(), Math::max))), 16)
                .blockLast(WAIT);
        assertThat(peak.get()).isEqualTo(4);
        assertThat(echo.server().acceptedConnections()).isEqualTo(4);
        await().atMost(WAIT).until(() -> pool.metrics().allocated() == 1 && echo.server().openConnections() == 1);
    }

    @Test
    void maxLifetimeRotatesConnectionsWithoutFailingInFlightRequests() {
        pool = echo.pool(echo.options().minConnections(2).maxConnections(2)
                .maxLifetime(Duration.ofMillis(400)).maxLifetimeJitter(0.2).build());
        List<WsMessage> replies = Flux.range(0, 60)
                .flatMap(i -> Mono.delay(Duration.ofMillis(i * 25L)).then(pool.request(WsMessage.of("delay", null, Map.of("ms", 150)))))
                .collectList().block(WAIT);
        assertThat(replies).hasSize(60);
        assertThat(pool.metrics().created()).isGreaterThanOrEqualTo(4);
        assertThat(echo.server().acceptedConnections()).isGreaterThanOrEqualTo(4);
    }

    @Test
    void unreachableServerFailsTheAcquireAfterItsTimeoutAndRetriesFollowTheBackoff() {
        String url = echo.server().url();
        echo.server().stop();
        pool = echo.pool(WsClientPoolOptions.builder(url).name("down").minConnections(0).warmup(false)
                .acquireTimeout(Duration.ofMillis(1000))
                .connectBackoffFirst(Duration.ofMillis(100)).connectBackoffMax(Duration.ofMillis(400)).connectBackoffJitter(0)
                .connectMaxAttempts(100)
                .build());
        StepVerifier.create(pool.acquire())
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(WsPoolException.class)
                        .hasMessageContaining("pool 'down' (" + url + ") acquire timed out after 1000ms (size 1/8, idle 0, pending 0/1000)")
                        .hasMessageContaining("last connect error: ").hasMessageContaining("Connection refused"))
                .verify(WAIT);
        // attempts at 0, 100, 300, 700 ms: a handful, not a storm
        assertThat(pool.metrics().failedConnects()).isBetween(3L, 6L);
    }

    @Test
    void serverThatRestartsIsUsedAgainWithoutAnyCallerIntervening() {
        pool = echo.pool(echo.options().minConnections(2).maxConnections(4).healthCheckPeriod(Duration.ofMillis(200))
                .connectMaxAttempts(3).build());
        await().atMost(WAIT).until(() -> echo.server().openConnections() == 2);
        echo.server().stop();
        await().atMost(WAIT).until(() -> pool.metrics().allocated() == 0 || pool.metrics().failedConnects() > 0);
        echo.server().restart();
        await().atMost(WAIT).until(() -> echo.server().openConnections() == 2 && pool.metrics().allocated() == 2);
        StepVerifier.create(pool.request(WsMessage.of("echo"))).expectNextCount(1).expectComplete().verify(WAIT);
    }

    @Test
    void pendingAcquiresBeyondTheBoundFailAtOnceWithAClearError() {
        pool = echo.pool(echo.options().minConnections(1).maxConnections(1).maxPendingAcquires(2).build());
        PooledWsConnection held = pool.acquire().block(WAIT);
        Mono<PooledWsConnection> waiting1 = pool.acquire().cache();
        Mono<PooledWsConnection> waiting2 = pool.acquire().cache();
        waiting1.subscribe();
        waiting2.subscribe();
        await().atMost(WAIT).until(() -> pool.metrics().pending() == 2);
        StepVerifier.create(pool.acquire())
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(WsPoolException.class)
                        .hasMessageContaining("pool 'it' refused the acquire at once: 2 acquires are already waiting (size 1/1, idle 0, pending 2/2)"))
                .verify(Duration.ofSeconds(2));
        held.release().block(WAIT);
        waiting1.flatMap(PooledWsConnection::release).then(waiting2.flatMap(PooledWsConnection::release)).block(WAIT);
    }

    @Test
    void withConnectionReleasesOnCompleteErrorAndCancel() {
        pool = echo.pool(echo.options().minConnections(1).maxConnections(1).build());
        pool.withConnection(c -> c.request(WsMessage.of("echo"))).blockLast(WAIT);
        StepVerifier.create(pool.withConnection(c -> Mono.error(new IllegalStateException("app failure"))))
                .expectError(IllegalStateException.class).verify(WAIT);
        StepVerifier.create(pool.withConnection(c -> Mono.never())).thenCancel().verify(WAIT);
        await().atMost(WAIT).until(() -> pool.metrics().acquired() == 0 && pool.metrics().idle() == 1);
        assertThat(echo.server().acceptedConnections()).isEqualTo(1);
    }

    @Test
    void disposeClosesEveryConnectionWithNormalClosure() {
        WsClientPool p = echo.pool(echo.options().minConnections(3).maxConnections(3).build());
        await().atMost(WAIT).until(() -> echo.server().openConnections() == 3);
        PooledWsConnection held = p.acquire().block(WAIT);
        StepVerifier.create(p.disposeLater()).expectComplete().verify(WAIT);
        assertThat(held.connection().onClose().block(WAIT).code()).isEqualTo(1000);
        await().atMost(WAIT).until(() -> echo.server().openConnections() == 0);
    }
}
