package io.reactivewspool.internal.server;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A cluster-wide operation carried as a {@code CONTROL} broker message: a small JSON object such as
 * {@code {"op":"disconnect","user_id":"alice","reason":"banned"}}. Exactly one of {@code userId},
 * {@code connectionIds} and {@code topic} is set for a disconnect.
 */
record ControlOp(String op, String userId, List<String> connectionIds, String topic, String reason) {

    /** The broker message target of every control op: the op name. */
    static final String DISCONNECT = "disconnect";

    private static final JsonMapper JSON = JsonMapper.shared();

    static {
        // Jackson builds its (de)serializers lazily under a lock; build them here, not on an I/O thread.
        decode(disconnectIds(List.of("a"), "r").encode());
    }

    static ControlOp disconnectUser(String userId, String reason) {
        return new ControlOp(DISCONNECT, userId, null, null, reason);
    }

    static ControlOp disconnectIds(Collection<String> ids, String reason) {
        return new ControlOp(DISCONNECT, null, List.copyOf(ids), null, reason);
    }

    static ControlOp disconnectTopic(String topic, String reason) {
        return new ControlOp(DISCONNECT, null, null, topic, reason);
    }

    byte[] encode() {
        ObjectNode n = JSON.createObjectNode();
        n.put("op", op);
        if (userId != null) {
            n.put("user_id", userId);
        }
        if (connectionIds != null) {
            ArrayNode ids = n.putArray("connection_ids");
            connectionIds.forEach(ids::add);
        }
        if (topic != null) {
            n.put("topic", topic);
        }
        if (reason != null) {
            n.put("reason", reason);
        }
        return n.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The op in {@code payload}, or {@code null} when it is not a JSON object with an {@code op}. */
    static ControlOp decode(byte[] payload) {
        try {
            JsonNode n = JSON.readTree(payload);
            if (n == null || !n.isObject() || !n.hasNonNull("op")) {
                return null;
            }
            List<String> ids = null;
            JsonNode idsNode = n.get("connection_ids");
            if (idsNode != null && idsNode.isArray()) {
                ids = new ArrayList<>();
                for (JsonNode id : idsNode) {
                    ids.add(id.asString());
                }
            }
            return new ControlOp(n.get("op").asString(), text(n, "user_id"), ids, text(n, "topic"), text(n, "reason"));
        } catch (JacksonException e) {
            return null;
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asString();
    }
}
