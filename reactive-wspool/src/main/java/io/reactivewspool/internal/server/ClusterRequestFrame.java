package io.reactivewspool.internal.server;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The payload of a {@code REQUEST} or {@code REPLY} broker message: a 4-byte length, a small JSON
 * header, then the encoded message as the codec made it (whatever the codec, binary included).
 *
 * <p>Request header: {@code {"request":7,"timeout_ms":5000}}, body: the request message (no id;
 * the node holding the connection gives it one). Reply header: {@code {"request":7,"outcome":"ack",
 * "request_id":"hub:3","reason":…,"code":…}}, body: the client's {@code ack} when the outcome is
 * {@code ack}, empty otherwise.
 *
 * @param request   the asking node's number for the request
 * @param timeoutMs the request's timeout (request only; 0 in a reply)
 * @param outcome   {@code null} in a request; in a reply one of the {@code OUTCOME_*} names
 * @param requestId the id the request had on the wire, or {@code null}
 * @param reason    what happened, for the asking node's error; or {@code null}
 * @param code      the close code when the outcome is {@link #CLOSED}; 0 otherwise
 * @param body      the encoded message, or empty
 */
record ClusterRequestFrame(long request, long timeoutMs, String outcome, String requestId, String reason, int code,
                           byte[] body) {

    static final String ACKED = "ack";
    static final String REFUSED = "refused";
    static final String CLOSED = "closed";
    static final String TIMEOUT = "timeout";
    static final String TOO_MANY_PENDING = "too_many_pending";
    static final String NOT_SENT = "not_sent";

    private static final JsonMapper JSON = JsonMapper.shared();

    static {
        // Jackson builds its (de)serializers lazily under a lock; build them here, not on an I/O thread.
        decode(new ClusterRequestFrame(1, 0, ACKED, "hub:1", "r", 1000, new byte[0]).encode());
    }

    static ClusterRequestFrame request(long request, long timeoutMs, byte[] body) {
        return new ClusterRequestFrame(request, timeoutMs, null, null, null, 0, body);
    }

    static ClusterRequestFrame reply(long request, String outcome, String requestId, String reason, int code, byte[] body) {
        return new ClusterRequestFrame(request, 0, outcome, requestId, reason, code, body);
    }

    byte[] encode() {
        ObjectNode h = JSON.createObjectNode();
        h.put("request", request);
        if (outcome == null) {
            h.put("timeout_ms", timeoutMs);
        } else {
            h.put("outcome", outcome);
        }
        if (requestId != null) {
            h.put("request_id", requestId);
        }
        if (reason != null) {
            h.put("reason", reason);
        }
        if (code != 0) {
            h.put("code", code);
        }
        byte[] header = h.toString().getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(4 + header.length + body.length).putInt(header.length).put(header).put(body).array();
    }

    /** The frame in {@code payload}, or {@code null} when it is not one. */
    static ClusterRequestFrame decode(byte[] payload) {
        try {
            ByteBuffer b = ByteBuffer.wrap(payload);
            int len = b.getInt();
            if (len < 0 || len > b.remaining()) {
                return null;
            }
            JsonNode h = JSON.readTree(Arrays.copyOfRange(payload, 4, 4 + len));
            if (h == null || !h.isObject() || !h.hasNonNull("request")) {
                return null;
            }
            byte[] body = Arrays.copyOfRange(payload, 4 + len, payload.length);
            return new ClusterRequestFrame(h.get("request").asLong(), h.path("timeout_ms").asLong(0), text(h, "outcome"),
                    text(h, "request_id"), text(h, "reason"), h.path("code").asInt(0), body);
        } catch (BufferUnderflowException | JacksonException e) {
            return null;
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asString();
    }
}
