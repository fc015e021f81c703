package io.reactivewspool.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.reactivewspool.test.ScriptedWsServer;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.scheduler.Scheduler;

/**
 * The topic client's reconnect loop never stops while the client is open, however fast a connect
 * attempt fails. Found by the chaos campaign (scripts/chaos.sh, seed 2, on a machine at load 30):
 * one of six subscribers logged "no hub answered" and never tried again, because the attempt's
 * completion scheduled the next one before the attempt itself was recorded as pending, and
 * recording it then cancelled that next attempt. A connect that fails before any I/O (here a
 * connect hook throws) completes inside the subscription and loses the race every time.
 */
class WsTopicClientReconnectIT {

    @Test
    void aConnectAttemptThatFailsAtOnceIsTriedAgain() {
        AtomicInteger attempts = new AtomicInteger();
        WsTopicClient client = WsTopicClient.create(WsTopicClientOptions.builder("ws://127.0.0.1:9/ws")
                .client(b -> b.httpClientCustomizer(http -> http.doOnConnect(config -> {
                    attempts.incrementAndGet();
                    throw new IllegalStateException("refused before any I/O");
                })))
                .reconnectBackoffFirst(Duration.ofMillis(10))
                .reconnectBackoffMax(Duration.ofMillis(50))
                .build());
        try {
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(attempts.get())
                    .as("connect attempts of a client whose every attempt fails at once (it must keep trying)")
                    .isGreaterThanOrEqualTo(5));
            assertThat(client.isConnected()).isFalse();
        } finally {
            client.disposeLater().block(Duration.ofSeconds(10));
        }
    }

    /**
     * Found while testing the topic client's duplicate filter on a machine at load 30: a backoff
     * timer that fired before the thread that armed it had stored it as pending started the next
     * attempt, and storing the fired timer then cancelled that attempt (its socket closed before
     * the upgrade, "Connection prematurely closed BEFORE opening handshake is complete"); nothing
     * tried again. A scheduler whose timers fire at once, on the arming thread, is that machine.
     */
    @Test
    void aBackoffTimerThatFiresBeforeItIsStoredDoesNotCancelTheAttemptItStarted() {
        try (ScriptedWsServer hub = ScriptedWsServer.start()) {
            WsTopicClient client = WsTopicClient.create(WsTopicClientOptions.builder(hub.url())
                    .scheduler(new TimersFireAtOnce())
                    .pingInterval(Duration.ZERO)
                    .build());
            try {
                hub.awaitPeer(0).drop();
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                    assertThat(hub.peers()).as("connections the hub accepted").hasSize(2);
                    assertThat(client.isConnected()).as("connected again after the connection was dropped").isTrue();
                });
            } finally {
                client.disposeLater().block(Duration.ofSeconds(10));
            }
        }
    }

    /** Runs every task at once on the calling thread, delayed or not. */
    private static final class TimersFireAtOnce implements Scheduler {
        @Override
        public Disposable schedule(Runnable task) {
            task.run();
            return Disposables.disposed();
        }

        @Override
        public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
            return schedule(task);
        }

        @Override
        public Worker createWorker() {
            // The client's timers (Mono.delay) schedule on the scheduler itself, never on a worker.
            throw new UnsupportedOperationException("this test scheduler has timers only");
        }
    }
}
