package io.reactivewspool.spring;

import java.util.List;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.reactivewspool.client.WsClientPool;
import io.reactivewspool.metrics.ClientPoolMeterBinder;
import io.reactivewspool.metrics.HubMeterBinder;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.spring.internal.ReadinessMember;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Actuator and Micrometer for the hub and the client pools: the {@code websockets} endpoint, the
 * {@code websockets} health indicator (a member of the {@code readiness} health group, never of
 * {@code liveness}), and meter binders for the hub and for every
 * {@link WsClientPool} bean. Each part is on only when its library is present.
 */
// After the availability probes: their readiness group must exist when ReadinessMember joins it.
@AutoConfiguration(after = WsPoolAutoConfiguration.class,
        afterName = "org.springframework.boot.health.autoconfigure.actuate.endpoint.AvailabilityProbesAutoConfiguration")
@ConditionalOnClass(WsHub.class)
public class WsPoolActuatorAutoConfiguration {

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
    @ConditionalOnBean(WsHub.class)
    static class EndpointConfiguration {
        @Bean
        @ConditionalOnMissingBean
        @ConditionalOnAvailableEndpoint
        WebSocketsEndpoint webSocketsEndpoint(WsHub hub) {
            return new WebSocketsEndpoint(hub);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
    @ConditionalOnBean(WsHub.class)
    static class HealthConfiguration {
        @Bean(name = "websocketsHealthIndicator")
        @ConditionalOnMissingBean(name = "websocketsHealthIndicator")
        WsHubHealthIndicator websocketsHealthIndicator(WsHub hub) {
            return new WsHubHealthIndicator(hub);
        }

        /** The hub's indicator in the readiness group only: a Redis outage must not restart every instance. */
        @Bean(name = "websocketsReadinessMember")
        @ConditionalOnMissingBean(name = "websocketsReadinessMember")
        @ConditionalOnClass(name = "org.springframework.boot.health.actuate.endpoint.HealthEndpointGroupsPostProcessor")
        ReadinessMember websocketsReadinessMember() {
            return new ReadinessMember("websockets");
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterRegistry.class)
    static class MetricsConfiguration {
        @Bean
        @ConditionalOnMissingBean
        @ConditionalOnBean(WsHub.class)
        HubMeterBinder wsHubMeterBinder(WsHub hub) {
            return new HubMeterBinder(hub.admin(), "default");
        }

        @Bean
        @ConditionalOnMissingBean(name = "wsClientPoolMeterBinders")
        ClientPoolMeterBinders wsClientPoolMeterBinders(ObjectProvider<WsClientPool> pools) {
            return new ClientPoolMeterBinders(pools.orderedStream().toList());
        }
    }

    /** Binds the meters of every client pool bean. */
    static final class ClientPoolMeterBinders implements MeterBinder {
        private final List<WsClientPool> pools;

        ClientPoolMeterBinders(List<WsClientPool> pools) {
            this.pools = pools;
        }

        @Override
        public void bindTo(MeterRegistry registry) {
            pools.forEach(p -> new ClientPoolMeterBinder(p).bindTo(registry));
        }
    }
}
