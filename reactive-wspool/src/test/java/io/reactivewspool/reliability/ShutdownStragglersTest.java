package io.reactivewspool.reliability;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.Admission;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.test.FakeTransport;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code serve} racing {@code close()}: a connection the hub accepted while it was closing must be
 * closed with 1001 before {@code close()} completes, never left open behind it.
 */
class ShutdownStragglersTest {

    private static final int ROUNDS = 100;
    private static final int THREADS = 8;
    /** Serves before close() starts, so that the closing finds connections and serves in flight. */
    private static final int SERVED_BEFORE_CLOSE = 40;

    @Test
    void everyConnectionAcceptedWhileTheHubClosesIsClosedWith1001BeforeCloseCompletes() throws Exception {
        ExecutorService servers = Executors.newFixedThreadPool(THREADS);
        int acceptedTotal = 0;
        try {
            for (int round = 0; round < ROUNDS; round++) {
                acceptedTotal += round(servers, round);
            }
        } finally {
            servers.shutdownNow();
        }
        // The stress must have served connections on both sides of the close in most rounds.
        System.out.println("shutdown stragglers: rounds=" + ROUNDS + " accepted=" + acceptedTotal);
        assertThat(acceptedTotal).isGreaterThan(ROUNDS * SERVED_BEFORE_CLOSE);
    }

    /** One hub, THREADS threads serving until the hub refuses, one close(); returns the connections accepted. */
    private static int round(ExecutorService servers, int round) throws Exception {
        WsHub hub = WsHub.create(WsHubOptions.builder()
                .closeDrainPeriod(Duration.ZERO)
                .closeBatchSize(100_000)
                .maxConnections(1_000_000)
                .build());
        Queue<FakeTransport> transports = new ConcurrentLinkedQueue<>();
        AtomicInteger served = new AtomicInteger();
        CountDownLatch warm = new CountDownLatch(SERVED_BEFORE_CLOSE);
        List<Future<?>> threads = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) {
            int thread = i;
            threads.add(servers.submit(() -> {
                // Bounded: a hub that never stops accepting ends the loop too.
                for (int n = 0; n < 20_000; n++) {
                    FakeTransport t = new FakeTransport();
                    transports.add(t);
                    hub.serve(t, Admission.accepted("u" + thread + "-" + n)).subscribe();
                    served.incrementAndGet();
                    warm.countDown();
                    if (!hub.isAccepting() && n % 8 == 7) {
                        return;
                    }
                }
            }));
        }
        assertThat(warm.await(30, TimeUnit.SECONDS)).as("serves started").isTrue();
        hub.close().block(Duration.ofSeconds(30));
        // What close() left behind: taken at the moment it completed, before anything else can close them.
        List<FakeTransport> openAtClose = new ArrayList<>();
        for (FakeTransport t : transports) {
            if (t.closeStatus() == null) {
                openAtClose.add(t);
            }
        }
        for (Future<?> f : threads) {
            f.get(30, TimeUnit.SECONDS);
        }
        int accepted = 0;
        for (FakeTransport t : transports) {
            if (!t.messages(WsMessage.WELCOME).isEmpty()) {
                accepted++;
                assertThat(t.closeStatus()).as("round %d: a connection the hub accepted is closed", round).isNotNull();
                assertThat(t.closeStatus().code()).as("round %d: close code of an accepted connection", round).isEqualTo(1001);
                assertThat(openAtClose).as("round %d: accepted connections still open when close() completed "
                        + "(%d served in all)", round, served.get()).doesNotContain(t);
            }
        }
        assertThat(hub.admin().stats().activeConnections()).as("round %d: registered connections after close()", round).isZero();
        return accepted;
    }
}
