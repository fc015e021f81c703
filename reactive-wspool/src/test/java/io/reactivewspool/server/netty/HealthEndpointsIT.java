package io.reactivewspool.server.netty;

import java.time.Duration;

import io.reactivewspool.broker.redis.RedisBroker;
import io.reactivewspool.broker.redis.RedisBrokerOptions;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.test.AdminHttp;
import io.reactivewspool.test.HubFixture;
import io.reactivewspool.testsupport.RedisServerProcess;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code /health/live} and {@code /health/ready} on both engines, unauthenticated: liveness stays
 * 200 through a closing hub and a Redis outage; readiness is 503 while the hub does not accept
 * connections or its broker is not connected, and 200 again once Redis is back.
 */
class HealthEndpointsIT {

    private static final Duration T = Duration.ofSeconds(30);

    private static String base(HubFixture f) {
        return "http://127.0.0.1:" + f.server().port();
    }

    @ParameterizedTest
    @EnumSource(WsServerOptions.Engine.class)
    void readinessFollowsTheHubWhileLivenessStaysUp(WsServerOptions.Engine engine) {
        // The admin API is on (a token), and still the probes need none.
        HubFixture f = HubFixture.start(WsHubOptions.defaults(), "ADMIN", engine);
        try {
            AdminHttp.Response live = AdminHttp.get(base(f) + "/health/live", null);
            assertThat(live.status()).isEqualTo(200);
            assertThat(live.body()).isEqualTo("{\"status\":\"UP\"}");
            AdminHttp.Response ready = AdminHttp.get(base(f) + "/health/ready?verbose=1", null);
            assertThat(ready.status()).isEqualTo(200);
            assertThat(ready.body()).isEqualTo("{\"status\":\"UP\",\"accepting\":true,\"clustered\":false,\"broker_connected\":true}");
            AdminHttp.Response posted = AdminHttp.post(base(f) + "/health/ready", null, "{}");
            assertThat(posted.status()).isEqualTo(405);
            assertThat(posted.body()).contains("answer GET");
            assertThat(AdminHttp.get(base(f) + "/health/other", null).status()).isEqualTo(404);

            // The hub closes; the server stays bound until it is done, and an orchestrator must stop routing to it.
            f.hub().close().block(T);
            AdminHttp.Response closing = AdminHttp.get(base(f) + "/health/ready", null);
            assertThat(closing.status()).isEqualTo(503);
            assertThat(closing.json().get("status").asString()).isEqualTo("DOWN");
            assertThat(closing.json().get("accepting").asBoolean()).isFalse();
            assertThat(AdminHttp.get(base(f) + "/health/live", null).status()).isEqualTo(200);
        } finally {
            f.close();
        }
    }

    @ParameterizedTest
    @EnumSource(WsServerOptions.Engine.class)
    void aRedisOutageTakesReadinessDownButNotLiveness(WsServerOptions.Engine engine) {
        try (RedisServerProcess redis = RedisServerProcess.start()) {
            RedisBroker broker = RedisBroker.connect(RedisBrokerOptions.builder(redis.uri()).nodeId("probe")
                    .commandTimeout(Duration.ofSeconds(5)).build()).block(T);
            HubFixture f = HubFixture.start(WsHubOptions.builder().broker(broker).closeDrainPeriod(Duration.ZERO).build(),
                    (String) null, engine);
            try {
                await().atMost(T).untilAsserted(() -> assertThat(AdminHttp.get(base(f) + "/health/ready", null).body())
                        .isEqualTo("{\"status\":\"UP\",\"accepting\":true,\"clustered\":true,\"broker_connected\":true}"));

                redis.kill();
                await().atMost(T).untilAsserted(() -> {
                    AdminHttp.Response ready = AdminHttp.get(base(f) + "/health/ready", null);
                    assertThat(ready.status()).isEqualTo(503);
                    assertThat(ready.body()).isEqualTo(
                            "{\"status\":\"DOWN\",\"accepting\":true,\"clustered\":true,\"broker_connected\":false}");
                });
                assertThat(AdminHttp.get(base(f) + "/health/live", null).status()).isEqualTo(200);

                redis.restart();
                await().atMost(T).untilAsserted(() -> assertThat(AdminHttp.get(base(f) + "/health/ready", null).status())
                        .isEqualTo(200));
            } finally {
                f.close();
            }
        }
    }
}
