package io.reactivewspool.metrics;

import java.time.Duration;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.reactivewspool.client.WsClientPool;
import io.reactivewspool.client.WsClientPoolOptions;
import io.reactivewspool.server.WsHub;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class MeterBindersTest {

    @Test
    void hubMetersReadTheHubsStats() {
        WsHub hub = WsHub.create();
        try {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            new HubMeterBinder(hub.admin(), "main").bindTo(registry);

            assertThat(registry.get("wspool.hub.connections").tag("hub", "main").gauge().value()).isZero();
            assertThat(registry.get("wspool.hub.topics").gauge().value()).isZero();
            assertThat(registry.get("wspool.hub.messages").tag("direction", "sent").functionCounter().count()).isZero();
            assertThat(registry.get("wspool.hub.cleanup.runs").functionCounter().count()).isZero();
            hub.admin().cleanup().block(Duration.ofSeconds(5));
            // One snapshot serves a scrape for up to a second; a later scrape sees the sweep.
            Awaitility.await().atMost(Duration.ofSeconds(5))
                    .until(() -> registry.get("wspool.hub.cleanup.runs").functionCounter().count() == 1.0);
            assertThat(registry.find("wspool.hub.cleanup.removed").tag("reason", "stale").functionCounter()).isNotNull();
        } finally {
            hub.close().block(Duration.ofSeconds(10));
        }
    }

    @Test
    void poolMetersAreTaggedWithThePoolName() {
        WsClientPool pool = WsClientPool.create(WsClientPoolOptions.builder("ws://127.0.0.1:9/ws")
                .name("prices").minConnections(0).warmup(false).build());
        try {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            new ClientPoolMeterBinder(pool).bindTo(registry);

            assertThat(registry.get("wspool.pool.connections").tags("pool", "prices", "state", "acquired").gauge().value()).isZero();
            assertThat(registry.get("wspool.pool.connections").tags("pool", "prices", "state", "idle").gauge().value()).isZero();
            assertThat(registry.get("wspool.pool.pending").tag("pool", "prices").gauge().value()).isZero();
            assertThat(registry.get("wspool.pool.acquire.time").tags("pool", "prices", "stat", "mean").timeGauge()).isNotNull();
            assertThat(registry.get("wspool.pool.connects.failed").tag("pool", "prices").functionCounter().count()).isZero();
        } finally {
            pool.disposeLater().block(Duration.ofSeconds(10));
        }
    }
}
