package io.reactivewspool.spring;

import io.reactivewspool.server.HubStats;
import io.reactivewspool.server.WsHub;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * The Actuator endpoint {@code /actuator/websockets}: the hub's stats snapshot (connections,
 * states, per-topic subscribers, messages, cleanup counters). Expose it with
 * {@code management.endpoints.web.exposure.include=websockets}.
 *
 * <pre>{@code
 * curl localhost:8080/actuator/websockets
 * }</pre>
 */
@Endpoint(id = "websockets")
public class WebSocketsEndpoint {

    private final WsHub hub;

    public WebSocketsEndpoint(WsHub hub) {
        this.hub = hub;
    }

    @ReadOperation
    public HubStats stats() {
        return hub.admin().stats();
    }
}
