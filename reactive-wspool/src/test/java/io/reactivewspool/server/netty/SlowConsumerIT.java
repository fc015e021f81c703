package io.reactivewspool.server.netty;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.IntStream;

import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.ConnectionInfo;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.test.HubFixture;
import io.reactivewspool.test.RawSocketClient;
import io.reactivewspool.test.ReactorNettyTestClient;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A client that stops reading must not slow the others, and what the hub holds for it stays bounded. */
class SlowConsumerIT {

    @Test
    void slowSubscriberDoesNotDelayOthersAndItsQueuedBytesStayBounded() {
        int queue = 64;
        try (HubFixture f = HubFixture.start(WsHubOptions.builder().outboundQueueSize(queue).build())) {
            ReactorNettyTestClient fast = f.client();
            fast.welcome();
            fast.send(WsMessage.subscribe("feed"));
            fast.next("subscribed");
            RawSocketClient stalled = RawSocketClient.connect(f.wsUrl(), 4096);
            stalled.sendText(WsMessage.subscribe("feed"));
            await().atMost(Duration.ofSeconds(10)).until(() -> f.hub().admin().stats().topicSubscribers().getOrDefault("feed", 0) == 2);

            char[] filler = new char[1024];
            Arrays.fill(filler, 'x');
            String payload = new String(filler);
            int batches = 60;
            int perBatch = 50;
            for (int b = 0; b < batches; b++) {
                for (int i = 0; i < perBatch; i++) {
                    assertThat(f.hub().broadcast("feed", "n", Map.of("i", b * perBatch + i, "p", payload))).isEqualTo(2);
                }
                int expected = (b + 1) * perBatch;
                // the fast client keeps up batch by batch while the stalled one reads nothing
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                        .until(() -> fast.received().stream().filter(m -> m.is("n")).count() == expected);
            }
            assertThat(fast.received().stream().filter(m -> m.is("n")).map(m -> m.data().get("i").asInt()))
                    .containsExactlyElementsOf(IntStream.range(0, batches * perBatch).boxed().toList());

            ConnectionInfo slow = f.hub().admin().connections(null, "feed").stream()
                    .filter(i -> i.dropped() > 0).findFirst().orElseThrow();
            assertThat(slow.queuedMessages()).isLessThanOrEqualTo(queue);
            assertThat(slow.queuedBytes()).isLessThanOrEqualTo(queue * 1200L);
            // The kernel's socket buffers absorb the first megabytes; everything after overflows the queue.
            assertThat(slow.dropped()).isPositive();
            assertThat(f.hub().admin().stats().messagesDropped()).isEqualTo(slow.dropped());
            stalled.abort();
        }
    }

    @Test
    void gracefulCloseDoesNotWaitForeverForAClientThatStoppedReading() {
        HubFixture f = HubFixture.start(WsHubOptions.builder().outboundQueueSize(8).closeDrainPeriod(Duration.ZERO).build());
        RawSocketClient stalled = RawSocketClient.connect(f.wsUrl(), 4096);
        try {
            stalled.sendText(WsMessage.subscribe("feed"));
            await().atMost(Duration.ofSeconds(10)).until(() -> f.hub().admin().stats().topicSubscribers().getOrDefault("feed", 0) == 1);
            String payload = "y".repeat(4096);
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5)).until(() -> {
                for (int i = 0; i < 50; i++) {
                    f.hub().broadcast("feed", "n", payload);
                }
                return f.hub().admin().stats().messagesDropped() > 0;
            });
            long start = System.nanoTime();
            f.close();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
            assertThat(f.hub().admin().stats().activeConnections()).isZero();
        } finally {
            stalled.abort();
        }
    }
}
