package io.reactivewspool.internal.netty;

import java.nio.charset.StandardCharsets;

import io.reactivewspool.server.AdminHttpApi.Response;
import io.reactivewspool.server.WsHub;

/**
 * The unauthenticated probe endpoints of both server engines, for an orchestrator (Kubernetes
 * liveness and readiness probes, a load balancer's health check):
 * <ul>
 * <li>{@value #LIVE}: 200 {@code {"status":"UP"}} whenever the server answers at all. It never
 * looks at Redis: a broker outage must not make an orchestrator restart every node at once.</li>
 * <li>{@value #READY}: 200 while the hub accepts connections and its broker is connected (always,
 * for a hub without one), else 503 with {@code "status":"DOWN"}; the body says which part failed.</li>
 * </ul>
 * Only GET; other methods get 405. {@link Route} sends these paths here; the hub's own WebSocket
 * path wins if it is configured to one of them.
 */
final class HealthEndpoints {

    static final String LIVE = "/health/live";
    static final String READY = "/health/ready";

    private static final byte[] UP = "{\"status\":\"UP\"}".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NOT_ALLOWED = "{\"error\":\"method not allowed: the health endpoints answer GET\"}"
            .getBytes(StandardCharsets.US_ASCII);

    private HealthEndpoints() {
    }

    /** The answer to a request for {@code path}, {@link #LIVE} or {@link #READY}. */
    static Response answer(WsHub hub, String method, String path) {
        boolean live = path.equals(LIVE);
        if (!"GET".equals(method)) {
            return new Response(405, NOT_ALLOWED, "GET");
        }
        if (live) {
            return new Response(200, UP, null);
        }
        boolean accepting = hub.isAccepting();
        boolean brokerConnected = hub.options().broker().isConnected();
        boolean ready = accepting && brokerConnected;
        String body = "{\"status\":\"" + (ready ? "UP" : "DOWN") + "\",\"accepting\":" + accepting
                + ",\"clustered\":" + hub.admin().isClustered() + ",\"broker_connected\":" + brokerConnected + "}";
        return new Response(ready ? 200 : 503, body.getBytes(StandardCharsets.US_ASCII), null);
    }
}
