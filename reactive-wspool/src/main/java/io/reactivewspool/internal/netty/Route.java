package io.reactivewspool.internal.netty;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.reactivewspool.server.AdminHttpApi;
import io.reactivewspool.server.Dashboard;
import io.reactivewspool.server.netty.WsServerOptions;

/**
 * The one routing decision of both server engines: what a request's method, path and headers ask
 * for. An engine applies it ({@link ReactorNettyHttpHandler} on Reactor Netty, {@link PlainNettyHttpHandler} on
 * plain Netty) and decides nothing of its own: the hub's path with a well-formed upgrade goes to
 * admission, the admin API's paths to the admin API, the probe paths to {@link HealthEndpoints},
 * everything else gets its HTTP answer here.
 *
 * @param kind what to do
 * @param path the path below the admin API ({@link Kind#ADMIN}), below the dashboard ({@link Kind#DASHBOARD}), or
 *             the probe's path ({@link Kind#HEALTH})
 * @param refusal the answer ({@link Kind#REFUSE} only)
 */
record Route(Kind kind, String path, Refusal refusal) {

    /** The body of a 404, for both engines. */
    static final String NOT_FOUND = "{\"error\":\"not found\"}";
    /** The body of the 426 for a plain request on the WebSocket path, for both engines. */
    static final String NOT_AN_UPGRADE = "expected a WebSocket upgrade request\n";
    /** The content type of refusals. */
    static final String TEXT = "text/plain; charset=utf-8";

    /** What an engine does with the request. */
    enum Kind {
        /** A well-formed WebSocket upgrade on the hub's path: the hub admits it. */
        UPGRADE,
        /** A request for the admin API. */
        ADMIN,
        /** A liveness or readiness probe: {@link HealthEndpoints}. */
        HEALTH,
        /** The operator dashboard's files, when it is on: {@link io.reactivewspool.server.Dashboard}. */
        DASHBOARD,
        /** Answered here: {@link Route#refusal()}. */
        REFUSE
    }

    /**
     * An HTTP answer decided by the route.
     *
     * @param status the HTTP status
     * @param contentType the content type, or {@code null} for none
     * @param body the body text
     * @param header one extra response header ({@code Upgrade}, {@code Sec-WebSocket-Version}), or {@code null}
     * @param headerValue that header's value
     * @param close whether the connection closes after the answer (a malformed upgrade)
     */
    record Refusal(int status, String contentType, String body, CharSequence header, String headerValue, boolean close) {
    }

    static Route decide(WsServerOptions options, HttpMethod method, HttpVersion version, String uri, HttpHeaders headers) {
        String path = new QueryStringDecoder(uri).path();
        if (path.equals(options.path())) {
            if (!Handshakes.asksForWebSocket(headers)) {
                return refuse(new Refusal(426, null, NOT_AN_UPGRADE, HttpHeaderNames.UPGRADE, "websocket", false));
            }
            Handshakes.Refusal malformed = Handshakes.malformed(method, version, headers);
            if (malformed != null) {
                boolean badVersion = malformed.status() == 426;
                return refuse(new Refusal(malformed.status(), TEXT, malformed.reason() + "\n",
                        badVersion ? HttpHeaderNames.SEC_WEBSOCKET_VERSION : null, badVersion ? "13" : null, true));
            }
            return new Route(Kind.UPGRADE, null, null);
        }
        if (path.equals(HealthEndpoints.LIVE) || path.equals(HealthEndpoints.READY)) {
            return new Route(Kind.HEALTH, path, null);
        }
        String admin = AdminHttpApi.BASE_PATH;
        String dashboard = admin + Dashboard.SUB_PATH;
        if (options.dashboard() && (path.equals(dashboard) || path.startsWith(dashboard + "/"))) {
            return new Route(Kind.DASHBOARD, path.substring(dashboard.length()), null);
        }
        if (options.adminEnabled() && (path.equals(admin) || path.startsWith(admin + "/"))) {
            return new Route(Kind.ADMIN, path.substring(admin.length()), null);
        }
        return refuse(new Refusal(404, "application/json", NOT_FOUND, null, null, false));
    }

    private static Route refuse(Refusal refusal) {
        return new Route(Kind.REFUSE, null, refusal);
    }
}
