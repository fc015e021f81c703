package io.reactivewspool.metrics;

import java.time.Duration;
import java.util.Map;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.reactivewspool.WsPoolException;
import io.reactivewspool.WsRequestTimeoutException;
import io.reactivewspool.client.PooledWsConnection;
import io.reactivewspool.client.WsClientOptions;
import io.reactivewspool.client.WsClientPool;
import io.reactivewspool.client.WsClientPoolOptions;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.test.EchoWsServer;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The pool's timers, utilisation gauge and error counters against a real echo server on loopback. */
class ClientPoolMetersIT {

    private static final Duration WAIT = Duration.ofSeconds(15);

    private static double errors(SimpleMeterRegistry registry, String cause) {
        return registry.get("wspool.pool.errors").tags("pool", "m", "cause", cause).counter().count();
    }

    @Test
    void timersWithPercentilesUtilisationAndErrorsByCause() {
        try (EchoWsServer server = EchoWsServer.start()) {
            WsClientPool pool = WsClientPool.create(WsClientPoolOptions.builder(WsClientOptions.builder(server.url())
                            .requestTimeout(Duration.ofSeconds(5)).build())
                    // No warm-up: the first connect must happen after the binder's listener is added
                    // (a listener sees only what happens after it is added).
                    .name("m").minConnections(0).warmup(false).maxConnections(1).acquireTimeout(Duration.ofMillis(300)).build());
            try {
                SimpleMeterRegistry registry = new SimpleMeterRegistry();
                new ClientPoolMeterBinder(pool).bindTo(registry);

                Flux.range(0, 20).concatMap(i -> pool.request(WsMessage.of("echo", null, Map.of("n", i)))).blockLast(WAIT);
                Timer request = registry.get("wspool.pool.request.time").tag("pool", "m").timer();
                assertThat(request.count()).isEqualTo(20);
                assertThat(request.takeSnapshot().percentileValues()).hasSize(3);
                await().atMost(WAIT).until(() -> registry.get("wspool.pool.connect.time").timer().count() == 1);

                PooledWsConnection held = pool.acquire().block(WAIT);
                assertThat(registry.get("wspool.pool.acquire.wait").timer().count()).isGreaterThanOrEqualTo(1);
                assertThat(registry.get("wspool.pool.utilisation").tag("pool", "m").gauge().value()).isEqualTo(1.0);
                assertThatThrownBy(() -> pool.acquire().block(WAIT)).isInstanceOf(WsPoolException.class);
                assertThat(errors(registry, "acquire_timeout")).isEqualTo(1.0);
                held.release().block(WAIT);
                assertThat(registry.get("wspool.pool.utilisation").tag("pool", "m").gauge().value()).isZero();

                assertThatThrownBy(() -> pool.request(WsMessage.of("noreply", null, Map.of()), Duration.ofMillis(100)).block(WAIT))
                        .isInstanceOf(WsRequestTimeoutException.class);
                assertThat(errors(registry, "request_timeout")).isEqualTo(1.0);
                assertThat(errors(registry, "connect_failure")).isZero();
                assertThat(errors(registry, "validation_failure")).isZero();
            } finally {
                pool.disposeLater().block(WAIT);
            }
        }
    }

    @Test
    void failedConnectsAndFailedValidationsAreCountedByCause() {
        try (EchoWsServer deaf = EchoWsServer.ignoringPings()) {
            WsClientPool pool = WsClientPool.create(WsClientPoolOptions.builder(deaf.url()).name("m")
                    .minConnections(0).maxConnections(1).warmup(false)
                    .validateAfterIdle(Duration.ZERO).healthCheckPeriod(Duration.ZERO)
                    .healthCheckTimeout(Duration.ofMillis(200)).build());
            WsClientPool refused = WsClientPool.create(WsClientPoolOptions.builder("ws://127.0.0.1:9/ws").name("m")
                    .minConnections(0).warmup(false).connectMaxAttempts(2)
                    .connectBackoffFirst(Duration.ofMillis(10)).connectBackoffMax(Duration.ofMillis(10)).build());
            try {
                SimpleMeterRegistry registry = new SimpleMeterRegistry();
                new ClientPoolMeterBinder(pool).bindTo(registry);
                SimpleMeterRegistry refusedRegistry = new SimpleMeterRegistry();
                new ClientPoolMeterBinder(refused).bindTo(refusedRegistry);

                pool.acquire().block(WAIT).release().block(WAIT);
                // handed out before: pinged now, the peer stays silent, the pool opens another one
                pool.acquire().block(WAIT).release().block(WAIT);
                assertThat(errors(registry, "validation_failure")).isEqualTo(1.0);

                assertThatThrownBy(() -> refused.acquire().block(WAIT)).isNotNull();
                assertThat(errors(refusedRegistry, "connect_failure")).isEqualTo(2.0);
                assertThat(refusedRegistry.get("wspool.pool.connect.time").timer().count()).isZero();
            } finally {
                pool.disposeLater().block(WAIT);
                refused.disposeLater().block(WAIT);
            }
        }
    }
}
