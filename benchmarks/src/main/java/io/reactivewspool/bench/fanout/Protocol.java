package io.reactivewspool.bench.fanout;

import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The few wire-protocol rules (docs/PROTOCOL.md) the baseline servers and the load generator share. */
final class Protocol {

    static final ObjectMapper MAPPER = JsonMapper.builder().build();

    static final int MAX_TOPIC_LENGTH = 256;

    private Protocol() {
    }

    /** {@code A-Za-z0-9_.:/-}, 1 to 256 characters: such a topic never needs JSON escaping. */
    static boolean validTopic(String topic) {
        if (topic == null || topic.isEmpty() || topic.length() > MAX_TOPIC_LENGTH) {
            return false;
        }
        for (int i = 0; i < topic.length(); i++) {
            char c = topic.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '_' || c == '.' || c == ':' || c == '/' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    static String welcome(String connectionId) {
        ObjectNode data = MAPPER.createObjectNode()
                .put("connection_id", connectionId)
                .putNull("user_id")
                .put("heartbeat_interval_ms", 0);
        ObjectNode msg = MAPPER.createObjectNode().put("type", "welcome");
        msg.set("data", data);
        return MAPPER.writeValueAsString(msg);
    }

    /** A reply ({@code subscribed}, {@code published}, {@code pong}, ...) carrying the request's id when it had one. */
    static String reply(String type, String topic, String id) {
        ObjectNode msg = MAPPER.createObjectNode().put("type", type);
        if (topic != null) {
            msg.put("topic", topic);
        }
        if (id != null) {
            msg.put("id", id);
        }
        return MAPPER.writeValueAsString(msg);
    }

    static String error(String reason, String id) {
        ObjectNode msg = MAPPER.createObjectNode().put("type", "error").put("error", reason);
        if (id != null) {
            msg.put("id", id);
        }
        return MAPPER.writeValueAsString(msg);
    }
}
