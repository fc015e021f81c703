package io.reactivewspool.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

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
}
