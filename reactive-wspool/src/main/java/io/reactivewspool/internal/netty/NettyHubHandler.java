package io.reactivewspool.internal.netty;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.reactivewspool.message.TopicName;
import io.reactivewspool.server.HandshakeInfo;
import io.reactivewspool.server.HubAdmin;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.server.netty.WsServerOptions;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.WebsocketServerSpec;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

/**
 * Routes one Reactor Netty HTTP server: the hub's WebSocket path (admission before the upgrade)
 * and the admin HTTP API.
 */
public final class NettyHubHandler {

    private static final Logger log = LoggerFactory.getLogger(NettyHubHandler.class);
    private static final int MAX_ADMIN_BODY = 1024 * 1024;
    private static final JsonMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .build();

    static {
        // Jackson creates (de)serializers lazily under a lock; build them here, not on an event loop.
        JSON.readTree("{\"a\":[1,\"b\",true,null,{}]}");
        // Every response shape the routes write: Map.of of one and of several entries, LinkedHashMap.
        JSON.writeValueAsBytes(Map.of("error", "x"));
        JSON.writeValueAsBytes(Map.of("a", 1, "b", "c"));
        JSON.writeValueAsBytes(new LinkedHashMap<>(Map.of("n", 1)));
        JSON.writeValueAsBytes(new io.reactivewspool.server.HubStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                Map.of(io.reactivewspool.server.ConnectionState.OPEN, 0, io.reactivewspool.server.ConnectionState.CLOSED, 0),
                new java.util.TreeMap<>(Map.of("t", 0)), 0, 0, 0, 0, 0, true));
        JSON.writeValueAsBytes(Map.of("connections", List.of(new io.reactivewspool.server.ConnectionInfo("c", null,
                io.reactivewspool.server.ConnectionState.OPEN, null, java.time.Instant.EPOCH, java.time.Instant.EPOCH,
                List.of(), Map.of(), 0, 0, 0, 0, 0, 0, 0)), "count", 1));
    }

    private final WsHub hub;
    private final WsServerOptions options;
    private final WebsocketServerSpec spec;
    private final int maxFrameBytes;

    public NettyHubHandler(WsHub hub, WsServerOptions options, int maxFrameBytes) {
        this.hub = hub;
        this.options = options;
        this.maxFrameBytes = maxFrameBytes;
        this.spec = WebsocketServerSpec.builder()
                .maxFramePayloadLength(maxFrameBytes)
                .compress(options.compression())
                // Ping frames reach the hub (they count as activity); the hub answers them.
                .handlePing(true)
                .build();
    }

    public Publisher<Void> handle(HttpServerRequest req, HttpServerResponse res) {
        String path = new io.netty.handler.codec.http.QueryStringDecoder(req.uri()).path();
        if (path.equals(options.path())) {
            return websocket(req, res);
        }
        if (options.adminEnabled() && (path.equals(WsServerOptions.ADMIN_PATH) || path.startsWith(WsServerOptions.ADMIN_PATH + "/"))) {
            return admin(req, res, path.substring(WsServerOptions.ADMIN_PATH.length()));
        }
        return json(res, 404, Map.of("error", "not found"));
    }

    private Mono<Void> websocket(HttpServerRequest req, HttpServerResponse res) {
        String upgrade = req.requestHeaders().get(HttpHeaderNames.UPGRADE);
        if (upgrade == null || !"websocket".equalsIgnoreCase(upgrade.trim())) {
            return res.status(426).header(HttpHeaderNames.UPGRADE, "websocket")
                    .sendString(Mono.just("expected a WebSocket upgrade request\n")).then();
        }
        HandshakeInfo hs = Handshakes.of(req);
        return hub.admit(hs).flatMap(admission -> {
            if (!admission.isAccepted()) {
                return res.status(admission.httpStatus())
                        .header(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                        .header(HttpHeaderNames.CONNECTION, "close")
                        .sendString(Mono.just(admission.reason() + "\n")).then();
            }
            return res.sendWebsocket((in, out) -> hub.serve(new NettyWsTransport(hs, in, out, maxFrameBytes), admission), spec);
        });
    }

    // ---------------------------------------------------------------- admin API

    private Mono<Void> admin(HttpServerRequest req, HttpServerResponse res, String sub) {
        HandshakeInfo hs = Handshakes.of(req);
        boolean admin;
        try {
            admin = options.adminAuthenticator().isAdmin(hs);
        } catch (RuntimeException e) {
            log.warn("admin authenticator failed remote={} error={}", hs.remoteAddress(), e.toString());
            admin = false;
        }
        if (!admin) {
            log.info("admin request refused status=403 path={} remote={}", hs.path(), hs.remoteAddress());
            return drain(req).then(json(res, 403, Map.of("error", "forbidden: admin credentials required")));
        }
        HubAdmin a = hub.admin();
        HttpMethod m = req.method();
        if (sub.equals("/stats")) {
            return m == HttpMethod.GET ? json(res, 200, a.stats()) : methodNotAllowed(req, res, "GET");
        }
        if (sub.equals("/connections")) {
            if (m != HttpMethod.GET) {
                return methodNotAllowed(req, res, "GET");
            }
            String user = blankToNull(hs.queryParam("user_id"));
            String topic = blankToNull(hs.queryParam("topic"));
            var list = a.connections(user, topic);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("count", list.size());
            body.put("connections", list);
            return json(res, 200, body);
        }
        if (sub.startsWith("/connections/")) {
            if (m != HttpMethod.GET) {
                return methodNotAllowed(req, res, "GET");
            }
            String id = sub.substring("/connections/".length());
            return a.connection(id).<Mono<Void>>map(info -> json(res, 200, info))
                    .orElseGet(() -> json(res, 404, Map.of("error", "no connection '" + id + "'")));
        }
        if (sub.equals("/cleanup")) {
            return m == HttpMethod.POST ? drain(req).then(a.cleanup()).flatMap(r -> {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("removed", r.removed());
                body.put("removed_stale", r.removedStale());
                body.put("removed_failed", r.removedFailed());
                body.put("removed_closed", r.removedClosed());
                body.put("remaining", r.remaining());
                return json(res, 200, body);
            }) : methodNotAllowed(req, res, "POST");
        }
        if (sub.equals("/disconnect")) {
            return m == HttpMethod.POST ? body(req).flatMap(b -> disconnect(res, a, b)).onErrorResume(BadRequest.class,
                    e -> json(res, 400, Map.of("error", e.getMessage()))) : methodNotAllowed(req, res, "POST");
        }
        if (sub.equals("/broadcast")) {
            return m == HttpMethod.POST ? body(req).flatMap(b -> broadcast(res, a, b)).onErrorResume(BadRequest.class,
                    e -> json(res, 400, Map.of("error", e.getMessage()))) : methodNotAllowed(req, res, "POST");
        }
        return drain(req).then(json(res, 404, Map.of("error", "not found")));
    }

    private Mono<Void> disconnect(HttpServerResponse res, HubAdmin a, JsonNode b) {
        String reason = text(b, "reason");
        Mono<Integer> done;
        String by;
        if (b.hasNonNull("user_id")) {
            by = "user_id";
            done = a.disconnectUser(b.get("user_id").asString(), reason);
        } else if (b.hasNonNull("connection_ids")) {
            JsonNode ids = b.get("connection_ids");
            if (!ids.isArray()) {
                throw new BadRequest("\"connection_ids\" must be an array of strings");
            }
            List<String> list = new ArrayList<>();
            ids.forEach(n -> list.add(n.asString()));
            by = "connection_ids";
            done = a.disconnect(list, reason);
        } else if (b.hasNonNull("topic")) {
            by = "topic";
            done = a.disconnectTopic(b.get("topic").asString(), reason);
        } else {
            throw new BadRequest("give one of \"user_id\", \"connection_ids\" or \"topic\"");
        }
        return done.flatMap(n -> {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("disconnected", n);
            body.put("by", by);
            return json(res, 200, body);
        });
    }

    private Mono<Void> broadcast(HttpServerResponse res, HubAdmin a, JsonNode b) {
        String topic = text(b, "topic");
        String type = text(b, "message_type");
        String problem = TopicName.problem(topic);
        if (problem != null) {
            throw new BadRequest("invalid \"topic\": " + problem);
        }
        if (type == null || type.isEmpty()) {
            throw new BadRequest("\"message_type\" is required");
        }
        int reached = a.broadcast(topic, type, b.get("data"));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("reached", reached);
        body.put("topic", topic);
        return json(res, 200, body);
    }

    private static String text(JsonNode b, String field) {
        JsonNode n = b.get(field);
        return n == null || n.isNull() ? null : n.asString();
    }

    private Mono<JsonNode> body(HttpServerRequest req) {
        return req.receive().aggregate().asByteArray().defaultIfEmpty(new byte[0]).map(bytes -> {
            if (bytes.length > MAX_ADMIN_BODY) {
                throw new BadRequest("request body larger than " + MAX_ADMIN_BODY + " bytes");
            }
            if (bytes.length == 0) {
                throw new BadRequest("a JSON object body is required");
            }
            try {
                JsonNode n = JSON.readTree(bytes);
                if (n == null || !n.isObject()) {
                    throw new BadRequest("the body must be a JSON object");
                }
                return n;
            } catch (JacksonException e) {
                throw new BadRequest("malformed JSON body: " + e.getOriginalMessage());
            }
        });
    }

    private static Mono<Void> drain(HttpServerRequest req) {
        return req.receive().then();
    }

    private Mono<Void> methodNotAllowed(HttpServerRequest req, HttpServerResponse res, String allowed) {
        res.header(HttpHeaderNames.ALLOW, allowed);
        return drain(req).then(json(res, 405, Map.of("error", "method not allowed; use " + allowed)));
    }

    private static Mono<Void> json(HttpServerResponse res, int status, Object body) {
        return Mono.defer(() -> {
            byte[] bytes = JSON.writeValueAsBytes(body);
            return res.status(status)
                    .header(HttpHeaderNames.CONTENT_TYPE, "application/json")
                    .sendByteArray(Mono.just(bytes)).then();
        });
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    private static final class BadRequest extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadRequest(String message) {
            super(message, null, false, false);
        }
    }
}
