package io.reactivewspool.spring;

import java.time.Duration;

import io.micrometer.core.instrument.MeterRegistry;
import io.reactivewspool.broker.Broker;
import io.reactivewspool.client.AdaptiveSizingSpec;
import io.reactivewspool.client.WsClientPool;
import io.reactivewspool.client.WsClientPoolOptions;
import io.reactivewspool.history.TopicHistory;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.metrics.HubMeterBinder;
import io.reactivewspool.server.HeartbeatSpec;
import io.reactivewspool.server.LimitSpec;
import io.reactivewspool.server.OverflowPolicy;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.spring.internal.HubLifecycle;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.HandlerMapping;

import static org.assertj.core.api.Assertions.assertThat;

class WsPoolAutoConfigurationTest {

    private final ReactiveWebApplicationContextRunner runner = new ReactiveWebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(WsBrokerAutoConfiguration.class, WsPoolAutoConfiguration.class,
                    WsPoolActuatorAutoConfiguration.class));

    @Test
    void contextWithDefaultsHasAHubItsEndpointAndLifecycle() {
        runner.run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(ctx).hasSingleBean(WsHub.class).hasSingleBean(HubLifecycle.class)
                    .hasBean("wsPoolHandlerMapping").hasBean("wsPoolAdminRoutes");
            WsHubOptions o = ctx.getBean(WsHubOptions.class);
            assertThat(o.heartbeat().interval()).isEqualTo(HeartbeatSpec.DEFAULT_INTERVAL);
            assertThat(o.limits().maxConnections()).isEqualTo(LimitSpec.DEFAULT_MAX_CONNECTIONS);
            assertThat(ctx.getBean("wsPoolHandlerMapping", HandlerMapping.class)).isNotNull();
        });
    }

    @Test
    void propertiesBindOntoTheHubOptions() {
        runner.withPropertyValues("wspool.server.heartbeat-interval=5s", "wspool.server.connection-timeout=1m",
                        "wspool.server.max-connections=123", "wspool.server.max-frame-size=16KB",
                        "wspool.server.queue-size=64", "wspool.server.overflow=disconnect",
                        "wspool.server.allowed-origins=https://a.example,https://b.example",
                        "wspool.server.publish-topics=pub.*", "wspool.server.presence-topics=room.*,doc.*")
                .run(ctx -> {
                    WsHubOptions o = ctx.getBean(WsHubOptions.class);
                    assertThat(o.heartbeat().interval()).isEqualTo(Duration.ofSeconds(5));
                    assertThat(o.heartbeat().connectionTimeout()).isEqualTo(Duration.ofMinutes(1));
                    assertThat(o.limits().maxConnections()).isEqualTo(123);
                    assertThat(o.limits().maxFrameBytes()).isEqualTo(16 * 1024);
                    assertThat(o.limits().outboundQueueSize()).isEqualTo(64);
                    assertThat(o.limits().overflowPolicy()).isEqualTo(OverflowPolicy.DISCONNECT);
                    assertThat(o.allowedOrigins()).containsExactlyInAnyOrder("https://a.example", "https://b.example");
                    assertThat(o.topicPolicy().toString()).contains("pub.*");
                    assertThat(o.cluster().presenceTopics()).containsExactly("room.*", "doc.*");
                    assertThat(o.cluster().tracksPresence("room.1")).isTrue();
                });
    }

    @Test
    void codecsPropertyOffersTheBinaryCodecsBesidesJson() {
        runner.withPropertyValues("wspool.server.codecs=cbor,msgpack").run(ctx -> {
            WsHubOptions o = ctx.getBean(WsHubOptions.class);
            assertThat(o.codecs()).extracting(WsCodec::subprotocol)
                    .containsExactly("wspool.cbor", "wspool.msgpack", "wspool.json");
        });
        runner.withPropertyValues("wspool.server.codecs=cbor,xml").run(ctx -> {
            assertThat(ctx).hasFailed();
            assertThat(ctx.getStartupFailure()).hasStackTraceContaining(
                    "wspool.server.codecs=[cbor, xml] is invalid: unknown codec 'xml'; one of json, cbor, msgpack");
        });
    }

    @Test
    void outOfRangeValueFailsStartupNamingTheProperty() {
        runner.withPropertyValues("wspool.server.max-connections=0").run(ctx -> {
            assertThat(ctx).hasFailed();
            assertThat(ctx.getStartupFailure())
                    .hasStackTraceContaining("wspool.server.max-connections=0 is invalid: maxConnections must be >= 1, was 0");
        });
    }

    @Test
    void badTypeFailsStartupNamingTheProperty() {
        runner.withPropertyValues("wspool.server.heartbeat-interval=often").run(ctx -> {
            assertThat(ctx).hasFailed();
            assertThat(ctx.getStartupFailure()).hasStackTraceContaining("wspool.server.heartbeat-interval");
        });
    }

    @Test
    void applicationDefinedHubReplacesTheAutoConfiguredOne() {
        runner.withUserConfiguration(OwnHub.class).run(ctx -> {
            assertThat(ctx).hasSingleBean(WsHub.class);
            assertThat(ctx.getBean(WsHub.class)).isSameAs(ctx.getBean(OwnHub.class).hub);
        });
    }

    @Test
    void onePoolBeanPerConfiguredName() {
        runner.withPropertyValues("wspool.client.pools.prices.url=ws://127.0.0.1:1/ws",
                        "wspool.client.pools.prices.min-connections=0", "wspool.client.pools.prices.max-connections=4",
                        "wspool.client.pools.prices.warmup=false",
                        "wspool.client.pools.orders.url=ws://127.0.0.1:2/ws", "wspool.client.pools.orders.warmup=false",
                        "wspool.client.pools.orders.min-connections=0")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    assertThat(ctx.getBeansOfType(WsClientPool.class)).containsOnlyKeys("pricesWsClientPool", "ordersWsClientPool");
                    WsClientPool prices = ctx.getBean("pricesWsClientPool", WsClientPool.class);
                    assertThat(prices.name()).isEqualTo("prices");
                    assertThat(prices.options().maxConnections()).isEqualTo(4);
                });
    }

    @Test
    void maxRequestsPerConnectionIsBoundAndItsRangeNamesTheProperty() {
        runner.withPropertyValues("wspool.client.pools.rpc.url=ws://127.0.0.1:1/ws", "wspool.client.pools.rpc.warmup=false",
                        "wspool.client.pools.rpc.min-connections=0", "wspool.client.pools.rpc.max-requests-per-connection=16",
                        "wspool.client.pools.plain.url=ws://127.0.0.1:1/ws", "wspool.client.pools.plain.warmup=false",
                        "wspool.client.pools.plain.min-connections=0")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    assertThat(ctx.getBean("rpcWsClientPool", WsClientPool.class).options().maxRequestsPerConnection()).isEqualTo(16);
                    assertThat(ctx.getBean("plainWsClientPool", WsClientPool.class).options().maxRequestsPerConnection())
                            .isEqualTo(WsClientPoolOptions.DEFAULT_MAX_REQUESTS_PER_CONNECTION);
                });
        runner.withPropertyValues("wspool.client.pools.rpc.url=ws://127.0.0.1:1/ws", "wspool.client.pools.rpc.max-requests-per-connection=0")
                .run(ctx -> {
                    assertThat(ctx).hasFailed();
                    assertThat(ctx.getStartupFailure()).hasStackTraceContaining("wspool.client.pools.rpc.max-requests-per-connection=0");
                });
    }

    @Test
    void adaptiveSizingIsOffUnlessEnabledAndBindsItsSettings() {
        runner.withPropertyValues("wspool.client.pools.a.url=ws://127.0.0.1:1/ws", "wspool.client.pools.a.warmup=false",
                        "wspool.client.pools.a.min-connections=0",
                        "wspool.client.pools.a.adaptive-sizing.enabled=true", "wspool.client.pools.a.adaptive-sizing.interval=250ms",
                        "wspool.client.pools.a.adaptive-sizing.requests-per-connection=8",
                        "wspool.client.pools.b.url=ws://127.0.0.1:1/ws", "wspool.client.pools.b.warmup=false",
                        "wspool.client.pools.b.min-connections=0", "wspool.client.pools.b.adaptive-sizing.interval=250ms")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    AdaptiveSizingSpec a = ctx.getBean("aWsClientPool", WsClientPool.class).options().adaptiveSizing().orElseThrow();
                    assertThat(a.interval()).isEqualTo(Duration.ofMillis(250));
                    assertThat(a.requestsPerConnection()).isEqualTo(8);
                    assertThat(a.growCooldown()).isEqualTo(AdaptiveSizingSpec.defaults().growCooldown());
                    assertThat(ctx.getBean("bWsClientPool", WsClientPool.class).options().adaptiveSizing()).isEmpty();
                });
    }

    @Test
    void adaptiveSizingValueOutOfRangeFailsNamingTheProperty() {
        runner.withPropertyValues("wspool.client.pools.p.url=ws://127.0.0.1:1/ws",
                        "wspool.client.pools.p.adaptive-sizing.enabled=true", "wspool.client.pools.p.adaptive-sizing.target-utilisation=1.5")
                .run(ctx -> {
                    assertThat(ctx).hasFailed();
                    assertThat(ctx.getStartupFailure()).hasStackTraceContaining(
                            "wspool.client.pools.p.adaptive-sizing.target-utilisation=1.5 is invalid");
                });
    }

    @Test
    void poolWithoutUrlFailsNamingTheProperty() {
        runner.withPropertyValues("wspool.client.pools.broken.max-connections=2").run(ctx -> {
            assertThat(ctx).hasFailed();
            assertThat(ctx.getStartupFailure()).hasStackTraceContaining("wspool.client.pools.broken.url is required");
        });
    }

    @Test
    void poolOptionOutOfRangeFailsNamingTheProperty() {
        runner.withPropertyValues("wspool.client.pools.p.url=ws://127.0.0.1:1/ws", "wspool.client.pools.p.max-connections=-3")
                .run(ctx -> {
                    assertThat(ctx).hasFailed();
                    assertThat(ctx.getStartupFailure()).hasStackTraceContaining(
                            "wspool.client.pools.p.max-connections=-3 is invalid: maxConnections must be between 1 and 10000, was -3");
                });
    }

    @Test
    void actuatorAndMetricsBeansAppearWhenTheirLibrariesArePresent() {
        runner.run(ctx -> assertThat(ctx).hasSingleBean(WsHubHealthIndicator.class)
                .hasSingleBean(HubMeterBinder.class));
    }

    @Test
    void withoutMicrometerAndActuatorTheHubStillStarts() {
        runner.withClassLoader(new FilteredClassLoader(MeterRegistry.class,
                        Endpoint.class,
                        HealthIndicator.class))
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed().hasSingleBean(WsHub.class);
                    assertThat(ctx).doesNotHaveBean(WsHubHealthIndicator.class).doesNotHaveBean(WebSocketsEndpoint.class);
                });
    }

    @Test
    void aRedisUriWithoutLettuceStopsTheStartupNamingTheDependency() {
        runner.withClassLoader(new FilteredClassLoader("io.lettuce"))
                .withPropertyValues("wspool.broker.redis.uri=redis://:secret@127.0.0.1:1")
                .run(ctx -> {
                    assertThat(ctx).hasFailed();
                    assertThat(ctx.getStartupFailure()).rootCause()
                            .hasMessageContaining("wspool.broker.redis.uri is set")
                            .hasMessageContaining("add the dependency io.lettuce:lettuce-core")
                            .message().doesNotContain("secret");
                });
    }

    @Test
    void withoutLettuceAndWithoutARedisUriTheInProcessBrokerServes() {
        runner.withClassLoader(new FilteredClassLoader("io.lettuce"))
                .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(Broker.class));
    }

    @Test
    void theReadinessMemberComesWithTheHubHealthIndicator() {
        runner.run(ctx -> assertThat(ctx).hasBean("websocketsReadinessMember"));
        runner.withClassLoader(new FilteredClassLoader(HealthIndicator.class))
                .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean("websocketsReadinessMember"));
    }

    @Test
    void historySizeGivesTheHubAnInMemoryHistory() {
        runner.withPropertyValues("wspool.history.size=50", "wspool.history.ttl=2m").run(ctx -> {
            assertThat(ctx).hasSingleBean(TopicHistory.class);
            assertThat(ctx.getBean(WsHubOptions.class).history()).isSameAs(ctx.getBean(TopicHistory.class));
        });
        runner.run(ctx -> assertThat(ctx).doesNotHaveBean(TopicHistory.class));
    }

    @Test
    void badHistorySizeNamesTheProperty() {
        runner.withPropertyValues("wspool.history.size=2000000").run(ctx -> {
            assertThat(ctx).hasFailed();
            assertThat(ctx.getStartupFailure()).hasStackTraceContaining("wspool.history: size must be between 1 and 1000000, was 2000000");
        });
    }

    @Test
    void serverCanBeSwitchedOff() {
        runner.withPropertyValues("wspool.server.enabled=false", "wspool.admin.enabled=false")
                .run(ctx -> assertThat(ctx).doesNotHaveBean("wsPoolHandlerMapping").doesNotHaveBean("wsPoolAdminRoutes"));
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnHub {
        final WsHub hub = WsHub.create();

        @Bean
        WsHub myHub() {
            return hub;
        }
    }
}
