package io.reactivewspool.server.netty;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.test.HubConformanceSuite;
import io.reactivewspool.test.HubFixture;
import io.reactivewspool.test.ReactorNettyTestClient;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A {@code refresh} racing the expiry timer. Many connections whose credentials expire after
 * 800 ms each send a refresh from a parallel thread at a random moment around that expiry. At
 * quiescence: every connection was closed with 4002 (the refreshed ones at their new expiry), and
 * no connection that was answered {@code refreshed} with {@code expires_at} T was closed before T:
 * the timer and the refresh agree on one deadline, and {@code refreshed} is never sent on a
 * connection that the timer is already closing.
 */
class CredentialsRefreshRaceIT {

    private static final int CONNECTIONS = 30;

    @Test
    void refreshRacingTheExpiryTimerNeverClosesBeforeTheDeadlineItAnnounced() {
        try (HubFixture hub = HubFixture.start(WsHubOptions.builder()
                .authenticator(HubConformanceSuite.expiringTokens()).closeDrainPeriod(Duration.ZERO).build())) {
            List<ReactorNettyTestClient> clients = new ArrayList<>();
            for (int i = 0; i < CONNECTIONS; i++) {
                ReactorNettyTestClient c = ReactorNettyTestClient.connect(hub.wsUrl() + "?token=u" + i + "@800");
                c.welcome();
                clients.add(c);
                // Timed from this connection's own welcome: a refresh lands before or after its expiry at random.
                WsMessage refresh = WsMessage.builder(WsMessage.REFRESH).id("r" + i).data(Map.of("token", "u" + i + "@700")).build();
                Mono.delay(Duration.ofMillis(ThreadLocalRandom.current().nextLong(300, 1300)), Schedulers.parallel())
                        .subscribe(t -> c.send(refresh));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> clients.stream().allMatch(ReactorNettyTestClient::isClosed));

            int refreshed = 0;
            for (ReactorNettyTestClient c : clients) {
                assertThat(c.awaitCloseCode()).isEqualTo(4002);
                WsMessage reply = c.received().stream().filter(m -> m.is(WsMessage.REFRESHED)).findFirst().orElse(null);
                if (reply != null) {
                    refreshed++;
                    Instant announced = Instant.parse(reply.data().get("expires_at").asString());
                    assertThat(c.closedAt()).as("closed before the expiry its refresh announced").isAfterOrEqualTo(announced);
                }
            }
            await().atMost(ReactorNettyTestClient.WAIT).until(() -> hub.hub().admin().stats().activeConnections() == 0);
            // Not asserted (it depends on the machine's load), but shown: how the race went.
            System.out.println("CredentialsRefreshRaceIT: " + refreshed + " of " + CONNECTIONS + " refreshed in time");
            clients.forEach(ReactorNettyTestClient::close);
        }
    }
}
