package io.reactivewspool.client;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.reactivewspool.message.WsMessage;
import io.reactivewspool.test.EchoWsServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Adaptive sizing against a real echo server on loopback, under a load that rises and falls:
 * callers borrow a connection, send a request the server answers after 50 ms, and give it back.
 */
class AdaptiveSizingIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private final EchoWsServer server = EchoWsServer.start();
    private WsClientPool pool;
    private Disposable load;

    @AfterEach
    void stop() {
        if (load != null) {
            load.dispose();
        }
        if (pool != null) {
            pool.disposeLater().block(WAIT);
        }
        server.close();
    }

    @Test
    void poolSizeFollowsALoadThatRisesAndFallsAndHoldsStillWhileItIsSteady() {
        AdaptiveSizingSpec spec = AdaptiveSizingSpec.builder()
                .interval(Duration.ofMillis(100))
                .growCooldown(Duration.ofMillis(200))
                .shrinkCooldown(Duration.ofMillis(500))
                .maxStepDown(4)
                .build();
        pool = WsClientPool.create(WsClientPoolOptions.builder(WsClientOptions.builder(server.url())
                        .requestTimeout(Duration.ofSeconds(10)).build())
                .name("adaptive").minConnections(1).maxConnections(12)
                .acquireTimeout(Duration.ofSeconds(20))
                .adaptiveSizing(spec)
                .build());
        AtomicLong changes = new AtomicLong();
        pool.addListener(new WsClientPoolListener() {
            @Override
            public void onTargetChange(int previous, int target) {
                changes.incrementAndGet();
            }
        });
        AtomicInteger callers = new AtomicInteger(2);
        AtomicLong exchanges = new AtomicLong();
        WsMessage slow = WsMessage.of("delay", null, Map.of("ms", 50));
        load = Flux.range(0, 12)
                .flatMap(i -> Mono.defer(() -> i < callers.get()
                                ? pool.withConnection(c -> c.request(slow)).doOnNext(r -> exchanges.incrementAndGet()).then()
                                : Mono.delay(Duration.ofMillis(20)).then())
                        .repeat(), 12)
                .subscribe();

        await("two callers: 2 to 4 connections, held for 2 s").atMost(WAIT).during(Duration.ofSeconds(2))
                .until(() -> size() >= 2 && size() <= 4);
        callers.set(12);
        await("twelve callers: grows to the maximum, 12").atMost(WAIT).until(() -> size() == 12 && server.openConnections() == 12);
        await("twelve callers: stays at 12 for 2 s").atMost(WAIT).during(Duration.ofSeconds(2)).until(() -> size() == 12);
        callers.set(2);
        await("two callers again: back to 2 to 4, held for 2 s").atMost(WAIT).during(Duration.ofSeconds(2))
                .until(() -> size() >= 2 && size() <= 4);
        await("the server sees the connections above the target closed").atMost(WAIT)
                .until(() -> server.openConnections() <= 4);

        assertThat(changes.get()).as("target changes over three phases").isBetween(3L, 12L);
        assertThat(exchanges.get()).isPositive();
    }

    /**
     * pool.request holds its connection as a shared lease, which reactor-pool counts as acquired;
     * the controller counts request load by round trips, so a lease must not also look like a busy
     * borrowed connection: a few requests in flight at a time fit one connection and the pool stays at one.
     */
    @Test
    void requestsThatFitOneConnectionKeepThePoolAtOne() {
        AdaptiveSizingSpec spec = AdaptiveSizingSpec.builder()
                .interval(Duration.ofMillis(100))
                .growCooldown(Duration.ofMillis(100))
                .shrinkCooldown(Duration.ofMillis(500))
                .build();
        pool = WsClientPool.create(WsClientPoolOptions.builder(server.url())
                .name("adaptive-requests").minConnections(1).maxConnections(8)
                .adaptiveSizing(spec)
                .build());
        AtomicLong replies = new AtomicLong();
        WsMessage slow = WsMessage.of("delay", null, Map.of("ms", 50));
        load = Flux.range(0, 2)
                .flatMap(i -> Mono.defer(() -> pool.request(slow)).doOnNext(r -> replies.incrementAndGet()).repeat(), 2)
                .subscribe();

        // Both first requests wait for the first connection and may grow the pool for a moment.
        await().atMost(WAIT).until(() -> replies.get() >= 10);
        await("two requests in flight: one connection, held for 2 s").atMost(WAIT).during(Duration.ofSeconds(2))
                .until(() -> size() == 1);
        await("connections above the target closed").atMost(WAIT).until(() -> pool.metrics().allocated() == 1);
    }

    private int size() {
        return pool.metrics().maxConnections();
    }
}
