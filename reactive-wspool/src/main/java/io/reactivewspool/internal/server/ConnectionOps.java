package io.reactivewspool.internal.server;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.reactivewspool.server.ConnectionInfo;
import io.reactivewspool.server.ConnectionState;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code CONTROL} broker messages of {@link ClusterConnections}: a request to every node about
 * one connection (or a listing), and each node's reply to the node that asked. Small snake_case
 * JSON objects, beside the disconnect {@link ControlOp}s on the same channel:
 * {@code {"request_id":"…","reply_to":"node-a","action":"send","connection_id":"…","message":"{…}"}}
 * and {@code {"request_id":"…","node":"node-b","status":"DONE"}}.
 */
final class ConnectionOps {

    /** The control verb of a request; every node answers it. */
    static final String REQUEST = "conn_request";
    /** The control verb of a reply, followed by the node it is for. */
    static final String REPLY_PREFIX = "conn_reply:";

    /** What a request asks of the node holding the connection. */
    enum Action { SEND, SUBSCRIBE, UNSUBSCRIBE, FIND, LIST }

    /** A node's answer about the connection: one of {@code ConnectionOutcome.Status} but NO_ANSWER. */
    enum Result { DONE, UNCHANGED, REFUSED, NOT_FOUND }

    /**
     * @param message the envelope to send, as JSON text ({@link Action#SEND})
     * @param window  how many of its first connections a node lists ({@link Action#LIST})
     */
    record Request(String requestId, String replyTo, Action action, String connectionId, String topic,
                   String message, String userId, int window) {
    }

    /**
     * @param info        the connection's snapshot ({@link Action#FIND})
     * @param connections the node's first connections, oldest first, and how many match ({@link Action#LIST})
     */
    record Reply(String requestId, String node, Result result, String detail, ConnectionInfo info,
                 List<ConnectionInfo> connections, int total) {
    }

    private static final JsonMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .build();

    static {
        // Jackson builds its (de)serializers lazily under a lock; build them here, not on an I/O thread.
        ConnectionInfo info = new ConnectionInfo("c", "u", ConnectionState.OPEN, "a", Instant.EPOCH, Instant.EPOCH,
                List.of("t"), Map.of("k", "v"), 0, 0, 0, 0, 0, 0, 0, "n");
        decodeReply(encode(new Reply("r", "n", Result.DONE, "d", info, List.of(info), 1)));
        decodeRequest(encode(new Request("r", "n", Action.SEND, "c", "t", "{}", "u", 1)));
    }

    private ConnectionOps() {
    }

    static byte[] encode(Object op) {
        return JSON.writeValueAsBytes(op);
    }

    /** The request in {@code payload}, or {@code null} when it is not one. */
    static Request decodeRequest(byte[] payload) {
        try {
            Request r = JSON.readValue(payload, Request.class);
            return r == null || r.requestId() == null || r.replyTo() == null || r.action() == null ? null : r;
        } catch (JacksonException e) {
            return null;
        }
    }

    /** The reply in {@code payload}, or {@code null} when it is not one. */
    static Reply decodeReply(byte[] payload) {
        try {
            Reply r = JSON.readValue(payload, Reply.class);
            return r == null || r.requestId() == null || r.node() == null || r.result() == null ? null : r;
        } catch (JacksonException e) {
            return null;
        }
    }
}
