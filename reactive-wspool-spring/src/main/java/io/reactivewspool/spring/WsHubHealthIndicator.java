package io.reactivewspool.spring;

import io.reactivewspool.server.HubStats;
import io.reactivewspool.server.WsHub;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Health of the hub: UP while it accepts connections and its broker is connected; DOWN when it
 * is closing, the broker (Redis) is unreachable, or the broker's inbound is down (nothing from
 * other nodes is being received), with the connection count as detail.
 *
 * <pre>{@code
 * curl localhost:8080/actuator/health/websockets
 * }</pre>
 */
public class WsHubHealthIndicator implements HealthIndicator {

    private final WsHub hub;

    public WsHubHealthIndicator(WsHub hub) {
        this.hub = hub;
    }

    @Override
    public Health health() {
        HubStats s = hub.admin().stats();
        Health.Builder b = hub.isAccepting() && s.brokerConnected() ? Health.up() : Health.down();
        return b.withDetail("accepting", hub.isAccepting())
                .withDetail("brokerConnected", s.brokerConnected())
                .withDetail("activeConnections", s.activeConnections())
                .build();
    }
}
