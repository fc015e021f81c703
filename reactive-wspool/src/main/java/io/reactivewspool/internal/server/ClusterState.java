package io.reactivewspool.internal.server;

import java.util.Map;
import java.util.TreeMap;

import tools.jackson.core.JacksonException;
import io.reactivewspool.server.ConnectionState;
import io.reactivewspool.server.HubStats;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The JSON of a node's entries in the cluster state: its share of a topic's presence
 * ({@code {"users":{"alice":2},"connections":3}}) and its stats (the admin API's snake_case
 * {@link HubStats} JSON).
 */
final class ClusterState {

    /** The broker state name of a topic's presence. */
    static String presenceName(String topic) {
        return "p:" + topic;
    }

    /** The broker state name of the nodes' stats. */
    static final String STATS = "node";

    private static final JsonMapper JSON = JsonMapper.shared();
    private static final JsonMapper SNAKE = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .build();

    static {
        // Jackson builds its (de)serializers lazily under a lock; build them here, not on an I/O thread.
        readPresence(presenceJson(Map.of("a", 1), 1), new TreeMap<>());
        readStats(statsJson(new HubStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                Map.of(ConnectionState.OPEN, 0), new TreeMap<>(Map.of("t", 0)), 0, 0, 0, 0, 0, true)));
    }

    static String statsJson(HubStats stats) {
        return SNAKE.writeValueAsString(stats);
    }

    /** The stats in {@code json}, or {@code null} when malformed. */
    static HubStats readStats(String json) {
        try {
            return SNAKE.readValue(json, HubStats.class);
        } catch (JacksonException e) {
            return null;
        }
    }

    private ClusterState() {
    }

    static String presenceJson(Map<String, Integer> users, int connections) {
        ObjectNode n = JSON.createObjectNode();
        ObjectNode u = n.putObject("users");
        users.forEach(u::put);
        n.put("connections", connections);
        return n.toString();
    }

    /** Adds one node's presence entry to {@code users}; returns its connections (0 when malformed). */
    static int readPresence(String json, Map<String, Integer> users) {
        try {
            JsonNode n = JSON.readTree(json);
            if (n == null || !n.isObject()) {
                return 0;
            }
            JsonNode u = n.get("users");
            if (u != null && u.isObject()) {
                for (Map.Entry<String, JsonNode> e : u.properties()) {
                    users.merge(e.getKey(), e.getValue().asInt(), Integer::sum);
                }
            }
            JsonNode c = n.get("connections");
            return c == null ? 0 : c.asInt();
        } catch (JacksonException e) {
            return 0;
        }
    }
}
