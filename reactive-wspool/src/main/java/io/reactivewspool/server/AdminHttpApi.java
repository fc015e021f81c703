package io.reactivewspool.server;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

import io.reactivewspool.message.TopicName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

/**
 * The admin HTTP API of {@code docs/PROTOCOL.md} without an HTTP server: a request (method, path
 * below {@code /api/admin/websockets}, headers, body) in, a JSON response out. The Reactor Netty
 * {@code WsServer} and the Spring WebFlux routes both serve it, so they answer byte for byte alike.
 *
 * <p>Access: a request the {@link AdminAuthenticator} accepts is served; one without credentials
 * gets 401, one with wrong credentials 403, both decided before the body is read
 * ({@link #refusal}). Bodies are JSON objects of at most 1 MiB; every error answers
 * {@code {"error": "..."}} saying what was wrong.
 *
 * <pre>{@code
 * AdminHttpApi api = new AdminHttpApi(hub.admin(), AdminAuthenticator.bearer("SECRET"));
 * api.handle("GET", "/stats", handshake, Mono.empty())
 *    .subscribe(r -> respond(r.status(), r.body()));
 * }</pre>
 */
public final class AdminHttpApi {

    /** Where the API lives under an HTTP server's root. */
    public static final String BASE_PATH = "/api/admin/websockets";
    /** The page size of {@code GET /connections} without {@code limit}. */
    public static final int DEFAULT_LIMIT = 100;
    /** The largest request body accepted. */
    public static final int MAX_BODY_BYTES = 1024 * 1024;

    private static final Logger log = LoggerFactory.getLogger(AdminHttpApi.class);
    private static final JsonMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .build();
    private static final TypeReference<LinkedHashMap<String, Object>> MAP =
            new TypeReference<>() { };

    static {
        // Jackson creates (de)serializers lazily under a lock; build them here, not on an event loop.
        JSON.readTree("{\"a\":[1,\"b\",true,null,{}]}");
        // Every response shape the routes write: Map.of of one and of several entries, LinkedHashMap.
        JSON.writeValueAsBytes(Map.of("error", "x"));
        JSON.writeValueAsBytes(Map.of("a", 1, "b", "c"));
        JSON.writeValueAsBytes(new LinkedHashMap<>(Map.of("n", 1)));
        JSON.writeValueAsBytes(new LinkedHashMap<>(Map.of("users", Collections.unmodifiableMap(
                new TreeMap<>(Map.of("u", 1))))));
        HubStats primer = new HubStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                Map.of(ConnectionState.OPEN, 0, ConnectionState.CLOSED, 0),
                new TreeMap<>(Map.of("t", 0)), 0, 0, 0, 0, 0, true);
        JSON.writeValueAsBytes(primer);
        JSON.writeValueAsBytes(clusterSection(Map.of("n", primer)));
        JSON.writeValueAsBytes(Map.of("connections", List.of(new ConnectionInfo("c", null,
                ConnectionState.OPEN, null, Instant.EPOCH, Instant.EPOCH,
                List.of(), Map.of(), 0, 0, 0, 0, 0, 0, 0, "n")), "count", 1));
    }

    private final HubAdmin admin;
    private final AdminAuthenticator authenticator;

    public AdminHttpApi(HubAdmin admin, AdminAuthenticator authenticator) {
        this.admin = Objects.requireNonNull(admin, "admin");
        this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
    }

    /**
     * A response: status, JSON body, and for 405 the allowed method.
     *
     * @param status HTTP status
     * @param body   UTF-8 JSON
     * @param allow  the {@code Allow} header value for 405, else {@code null}
     */
    public record Response(int status, byte[] body, String allow) {
        public String contentType() {
            return "application/json";
        }
    }

    /**
     * Serves one request.
     *
     * @param method  HTTP method (upper case)
     * @param subPath the path below {@link #BASE_PATH} ({@code "/stats"}, {@code "/connections/ID"} …)
     * @param request headers, query and remote address of the request (for access and filters)
     * @param body    the request body (read only for POST; may be empty)
     */
    public Mono<Response> handle(String method, String subPath, HandshakeInfo request, Mono<byte[]> body) {
        return Mono.defer(() -> {
            Optional<Response> refused = refusal(subPath, request);
            return refused.isPresent() ? Mono.just(refused.get()) : route(method, subPath, request, body);
        }).onErrorResume(BadRequest.class, e -> Mono.just(json(400, Map.of("error", e.getMessage()))));
    }

    /**
     * The answer to a request that may not use the admin API (401 without credentials, 403 with
     * credentials that do not grant access), or empty when it may. An HTTP server asks before it
     * reads a body, answers a refusal without reading it, and closes the connection: an
     * unauthenticated client must not make the server buffer a body. Synchronous, does not block.
     *
     * @param subPath the path below {@link #BASE_PATH}, for the log line
     */
    public Optional<Response> refusal(String subPath, HandshakeInfo request) {
        if (isAdmin(request)) {
            return Optional.empty();
        }
        boolean presented = request.bearerToken() != null || request.principal() != null;
        int status = presented ? 403 : 401;
        log.info("admin request refused status={} path={} remote={}", status, subPath, request.remoteAddress());
        return Optional.of(json(status, Map.of("error", presented
                ? "forbidden: these credentials do not grant admin access"
                : "authentication required: send 'Authorization: Bearer <admin token>'")));
    }

    private boolean isAdmin(HandshakeInfo request) {
        try {
            return authenticator.isAdmin(request);
        } catch (RuntimeException e) {
            // The class only: an authenticator's message may quote the credential it rejected.
            log.warn("admin authenticator failed remote={} error={}", request.remoteAddress(), e.getClass().getName());
            return false;
        }
    }

    private Mono<Response> route(String method, String sub, HandshakeInfo request, Mono<byte[]> body) {
        switch (sub) {
            case "/stats":
                if (!"GET".equals(method)) {
                    return notAllowed("GET");
                }
                if (!admin.isClustered()) {
                    return Mono.just(json(200, admin.stats()));
                }
                return admin.clusterStats().map(byNode -> {
                    Map<String, Object> out = new LinkedHashMap<>();
                    out.put("cluster", clusterSection(byNode));
                    out.putAll(JSON.convertValue(admin.stats(), MAP));
                    return json(200, out);
                });
            case "/connections": {
                if (!"GET".equals(method)) {
                    return notAllowed("GET");
                }
                int page = intParam(request, "page", 1);
                int limit = intParam(request, "limit", DEFAULT_LIMIT);
                Mono<ConnectionPage> listed;
                try {
                    listed = admin.clusterConnections(blankToNull(request.queryParam("user_id")),
                            blankToNull(request.queryParam("topic")), page, limit);
                } catch (IllegalArgumentException e) { // page or limit out of range
                    throw new BadRequest(e.getMessage());
                }
                return listed.map(p -> {
                    Map<String, Object> out = new LinkedHashMap<>();
                    out.put("count", p.connections().size());
                    out.put("total", p.total());
                    out.put("page", p.page());
                    out.put("limit", p.limit());
                    out.put("has_more", p.hasMore());
                    if (admin.isClustered()) {
                        out.put("scope", "cluster");
                        out.put("answered_nodes", p.answeredNodes());
                        out.put("unanswered_nodes", p.unansweredNodes());
                    }
                    out.put("connections", p.connections());
                    return json(200, out);
                });
            }
            case "/cleanup":
                return "POST".equals(method) ? admin.cleanup().map(r -> {
                    Map<String, Object> out = new LinkedHashMap<>();
                    out.put("removed", r.removed());
                    out.put("removed_stale", r.removedStale());
                    out.put("removed_failed", r.removedFailed());
                    out.put("removed_closed", r.removedClosed());
                    out.put("remaining", r.remaining());
                    return json(200, out);
                }) : notAllowed("POST");
            case "/presence": {
                if (!"GET".equals(method)) {
                    return notAllowed("GET");
                }
                String topic = request.queryParam("topic");
                String problem = TopicName.problem(topic);
                if (problem != null) {
                    throw new BadRequest("invalid \"topic\" query parameter: " + problem);
                }
                Mono<Presence> presence;
                try {
                    presence = admin.presence(topic);
                } catch (IllegalArgumentException e) { // a topic whose presence is not tracked
                    throw new BadRequest(e.getMessage());
                }
                return presence.map(p -> {
                    Map<String, Object> out = new LinkedHashMap<>();
                    out.put("topic", p.topic());
                    out.put("connections", p.connections());
                    out.put("users", p.users());
                    if (admin.isClustered()) {
                        out.put("scope", "cluster");
                    }
                    return json(200, out);
                });
            }
            case "/disconnect":
                return "POST".equals(method) ? parse(body).flatMap(this::disconnect) : notAllowed("POST");
            case "/broadcast":
                return "POST".equals(method) ? parse(body).map(this::broadcast) : notAllowed("POST");
            default:
                if (sub.startsWith("/connections/")) {
                    if (!"GET".equals(method)) {
                        return notAllowed("GET");
                    }
                    String id = sub.substring("/connections/".length());
                    return admin.clusterConnection(id).map(o -> switch (o.status()) {
                        case NOT_FOUND -> json(404, Map.of("error", "no connection '" + id + "'"));
                        case NO_ANSWER -> json(504, Map.of("error", "connection '" + id + "' not found on the nodes that "
                                + "answered: " + o.detail()));
                        default -> json(200, o.info());
                    });
                }
                return Mono.just(json(404, Map.of("error", "not found: the admin API has /stats, /connections, "
                        + "/connections/{id}, /presence, /disconnect, /cleanup and /broadcast")));
        }
    }

    /** The sums over every live node, and each node's stats with its id. */
    private static Map<String, Object> clusterSection(Map<String, HubStats> byNode) {
        long active = 0, total = 0, rejected = 0, users = 0, received = 0, sent = 0, dropped = 0, failed = 0,
                errors = 0, broadcasts = 0;
        Map<String, Integer> topicSubscribers = new TreeMap<>();
        List<Map<String, Object>> nodes = new ArrayList<>();
        for (Map.Entry<String, HubStats> e : byNode.entrySet()) {
            HubStats s = e.getValue();
            active += s.activeConnections();
            total += s.totalConnections();
            rejected += s.rejectedConnections();
            users += s.users();
            received += s.messagesReceived();
            sent += s.messagesSent();
            dropped += s.messagesDropped();
            failed += s.messagesFailed();
            errors += s.errors();
            broadcasts += s.broadcasts();
            s.topicSubscribers().forEach((t, n) -> topicSubscribers.merge(t, n, Integer::sum));
            Map<String, Object> node = new LinkedHashMap<>();
            node.put("node_id", e.getKey());
            node.putAll(JSON.convertValue(s, MAP));
            nodes.add(node);
        }
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("node_count", byNode.size());
        c.put("active_connections", active);
        c.put("total_connections", total);
        c.put("rejected_connections", rejected);
        c.put("users", users);
        c.put("messages_received", received);
        c.put("messages_sent", sent);
        c.put("messages_dropped", dropped);
        c.put("messages_failed", failed);
        c.put("errors", errors);
        c.put("broadcasts", broadcasts);
        c.put("topic_subscribers", topicSubscribers);
        c.put("nodes", nodes);
        return c;
    }

    private Mono<Response> disconnect(JsonNode b) {
        String reason = text(b, "reason");
        Mono<Integer> done;
        String by;
        if (b.hasNonNull("user_id")) {
            by = "user_id";
            done = admin.disconnectUser(b.get("user_id").asString(), reason);
        } else if (b.hasNonNull("connection_ids")) {
            JsonNode ids = b.get("connection_ids");
            if (!ids.isArray()) {
                throw new BadRequest("\"connection_ids\" must be an array of strings");
            }
            List<String> list = new ArrayList<>();
            ids.forEach(n -> list.add(n.asString()));
            by = "connection_ids";
            done = admin.disconnect(list, reason);
        } else if (b.hasNonNull("topic")) {
            by = "topic";
            done = admin.disconnectTopic(b.get("topic").asString(), reason);
        } else {
            throw new BadRequest("give one of \"user_id\", \"connection_ids\" or \"topic\"");
        }
        return done.map(n -> {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("disconnected", n);
            out.put("by", by);
            if (admin.isClustered()) {
                // The count is this node's; the other nodes apply the same operation to theirs.
                out.put("scope", "cluster");
            }
            return json(200, out);
        });
    }

    private Response broadcast(JsonNode b) {
        String topic = text(b, "topic");
        String type = text(b, "message_type");
        String problem = TopicName.problem(topic);
        if (problem != null) {
            throw new BadRequest("invalid \"topic\": " + problem);
        }
        if (type == null || type.isEmpty()) {
            throw new BadRequest("\"message_type\" is required");
        }
        int reached = admin.broadcast(topic, type, b.get("data"));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("reached", reached);
        out.put("topic", topic);
        return json(200, out);
    }

    private static Mono<JsonNode> parse(Mono<byte[]> body) {
        return body.defaultIfEmpty(new byte[0]).map(bytes -> {
            if (bytes.length > MAX_BODY_BYTES) {
                throw new BadRequest("request body larger than " + MAX_BODY_BYTES + " bytes");
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

    private static Mono<Response> notAllowed(String allowed) {
        return Mono.just(new Response(405, JSON.writeValueAsBytes(Map.of("error", "method not allowed; use " + allowed)), allowed));
    }

    private static Response json(int status, Object body) {
        return new Response(status, JSON.writeValueAsBytes(body), null);
    }

    private static String text(JsonNode b, String field) {
        JsonNode n = b.get(field);
        return n == null || n.isNull() ? null : n.asString();
    }

    private static int intParam(HandshakeInfo request, String name, int defaultValue) {
        String v = blankToNull(request.queryParam(name));
        if (v == null) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new BadRequest("\"" + name + "\" must be a whole number, was '" + v + "'");
        }
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
