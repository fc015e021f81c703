package io.reactivewspool.server.netty;

import java.time.Duration;
import java.util.List;

import io.reactivewspool.server.CleanupReport;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.test.HubFixture;
import io.reactivewspool.test.RawSocketClient;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Needs about 10,000 file descriptors: run with {@code ulimit -n 20000} (scripts/test.sh does). */
class ManyConnectionsIT {

    @Test
    void fiveThousandConnectionsDroppedAbruptlyLeaveTheRegistryEmptyAfterCleanup() throws Exception {
        int n = 5000;
        try (HubFixture f = HubFixture.start(WsHubOptions.builder().build())) {
            List<RawSocketClient> clients = RawSocketClient.connectMany(n, i -> f.wsUrl());
            await().atMost(Duration.ofSeconds(30)).until(() -> f.hub().admin().stats().activeConnections() == n);
            assertThat(f.hub().admin().stats().totalConnections()).isEqualTo(n);
            // TCP reset, no close frame
            clients.forEach(RawSocketClient::abort);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                CleanupReport r = f.hub().admin().cleanup().block(Duration.ofSeconds(5));
                return r != null && r.remaining() == 0;
            });
            assertThat(f.hub().admin().stats().activeConnections()).isZero();
            assertThat(f.hub().admin().connections(null, null)).isEmpty();
            assertThat(f.hub().admin().stats().users()).isZero();
        }
    }
}
