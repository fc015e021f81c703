package io.reactivewspool.message;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The envelope of every message on the wire, in both directions: one JSON object with the
 * fields {@code type}, {@code topic}, {@code data}, {@code id}, {@code timestamp},
 * {@code offset} and {@code error} (see {@code docs/PROTOCOL.md}).
 *
 * <p>Immutable and thread-safe. {@code data} is a Jackson tree; a caller's object becomes one
 * through {@link Builder#data(Object)}. Absent fields are {@code null} and are not written.
 *
 * <pre>{@code
 * WsMessage sub = WsMessage.subscribe("prices");
 * WsMessage chat = WsMessage.builder("chat").topic("room-1").data(Map.of("text", "hi")).build();
 * byte[] wire = WsCodec.json().encode(chat);
 * }</pre>
 */
public final class WsMessage {

    /** Client to server: subscribe to {@code topic}. */
    public static final String SUBSCRIBE = "subscribe";
    /** Client to server: unsubscribe from {@code topic}. */
    public static final String UNSUBSCRIBE = "unsubscribe";
    /** Client to server: publish {@code data} to {@code topic}. */
    public static final String PUBLISH = "publish";
    /** Client to server: application-level ping. */
    public static final String PING = "ping";
    /** Client to server: new credentials in {@code data.token} for the same user, before the old ones expire. */
    public static final String REFRESH = "refresh";
    /** Server to client: first message after the upgrade. */
    public static final String WELCOME = "welcome";
    /** Server to client: a topic message published by a client. */
    public static final String DATA = "data";
    /** Server to client: reply to {@code subscribe}. */
    public static final String SUBSCRIBED = "subscribed";
    /** Server to client: reply to {@code unsubscribe}. */
    public static final String UNSUBSCRIBED = "unsubscribed";
    /** Server to client: reply to a {@code publish} that carried an {@code id}. */
    public static final String PUBLISHED = "published";
    /** Server to client: reply to {@code ping}. */
    public static final String PONG = "pong";
    /** Server to client: reply to an accepted {@code refresh}; {@code data.expires_at} is the new expiry or null. */
    public static final String REFRESHED = "refreshed";
    /** Server to client: application-level heartbeat. */
    public static final String HEARTBEAT = "heartbeat";
    /** Server to client: bad input or refused request; the connection stays open. */
    public static final String ERROR = "error";
    /**
     * Server to client: messages of {@code topic} were lost and cannot be replayed; live messages
     * continue after {@code data.offset} (PROTOCOL.md, Recovery).
     */
    public static final String GAP = "gap";

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final String type;
    private final String topic;
    private final JsonNode data;
    private final String id;
    private final Instant timestamp;
    private final String offset;
    private final String error;

    private WsMessage(Builder b) {
        this.type = Objects.requireNonNull(b.type, "type");
        if (type.isEmpty()) {
            throw new IllegalArgumentException("type must not be empty");
        }
        this.topic = b.topic;
        this.data = b.data;
        this.id = b.id;
        this.timestamp = b.timestamp;
        this.offset = b.offset;
        this.error = b.error;
    }

    /** A builder for a message of the given type. */
    public static Builder builder(String type) {
        return new Builder(type);
    }

    /** A message with only a type. */
    public static WsMessage of(String type) {
        return builder(type).build();
    }

    /** A message with a type, a topic (may be {@code null}) and data (any object, may be {@code null}). */
    public static WsMessage of(String type, String topic, Object data) {
        return builder(type).topic(topic).data(data).build();
    }

    /** {@code subscribe} to a topic. */
    public static WsMessage subscribe(String topic) {
        return builder(SUBSCRIBE).topic(topic).build();
    }

    /** {@code subscribe} to a topic, asking for the messages missed after {@code sinceOffset}. */
    public static WsMessage subscribe(String topic, String sinceOffset) {
        ObjectNode since = NODES.objectNode();
        since.put("since", sinceOffset);
        return builder(SUBSCRIBE).topic(topic).data(since).build();
    }

    /** {@code unsubscribe} from a topic. */
    public static WsMessage unsubscribe(String topic) {
        return builder(UNSUBSCRIBE).topic(topic).build();
    }

    /** {@code publish} data to a topic. */
    public static WsMessage publish(String topic, Object data) {
        return builder(PUBLISH).topic(topic).data(data).build();
    }

    /** An application-level {@code ping}. */
    public static WsMessage ping() {
        return of(PING);
    }

    /** {@code pong}, answering the ping with the given id (may be {@code null}). */
    public static WsMessage pong(String id) {
        return builder(PONG).id(id).build();
    }

    /** {@code welcome}: the first message a hub sends on a new connection. */
    public static WsMessage welcome(String connectionId, String userId, long heartbeatIntervalMs) {
        ObjectNode d = NODES.objectNode();
        d.put("connection_id", connectionId);
        if (userId == null) {
            d.putNull("user_id");
        } else {
            d.put("user_id", userId);
        }
        d.put("heartbeat_interval_ms", heartbeatIntervalMs);
        return builder(WELCOME).data(d).build();
    }

    /** {@code data}: a topic message published by a client, as delivered to subscribers. */
    public static WsMessage data(String topic, Object data) {
        return builder(DATA).topic(topic).data(data).build();
    }

    /** {@code subscribed}, the reply to {@code subscribe}. */
    public static WsMessage subscribed(String topic, String id) {
        return builder(SUBSCRIBED).topic(topic).id(id).build();
    }

    /** {@code unsubscribed}, the reply to {@code unsubscribe}. */
    public static WsMessage unsubscribed(String topic, String id) {
        return builder(UNSUBSCRIBED).topic(topic).id(id).build();
    }

    /** {@code published}, the reply to a {@code publish} with an id. */
    public static WsMessage published(String topic, String id) {
        return builder(PUBLISHED).topic(topic).id(id).build();
    }

    /** An application-level {@code heartbeat}. */
    public static WsMessage heartbeat() {
        return of(HEARTBEAT);
    }

    /** {@code error}: a human-readable reason, and the id of the offending message (may be {@code null}). */
    public static WsMessage error(String reason, String id) {
        return builder(ERROR).error(reason).id(id).build();
    }

    // ---------------------------------------------------------------- the hub's requests and their acks

    /** Client to server: the answer to a request of the hub, carrying the request's {@code id}. */
    public static final String ACK = "ack";
    /**
     * How the {@code id} of every request of the hub begins (PROTOCOL.md, Requests of the hub). The
     * protocol reserves it: a client never starts its own ids with it, so a hub message whose id
     * does (and whose type is not {@code error}) is a request waiting for an {@code ack}.
     */
    public static final String HUB_REQUEST_ID_PREFIX = "hub:";
    /** The types a client sends that the hub answers itself; no application handler can take them. */
    public static final Set<String> PROTOCOL_TYPES = Set.of(SUBSCRIBE, UNSUBSCRIBE, PUBLISH, PING, REFRESH, ACK);

    /**
     * {@code ack}: the client accepts the hub's request {@code requestId}, answering {@code data}
     * (may be {@code null}).
     *
     * <pre>{@code
     * connection.receive().filter(WsMessage::isHubRequest)
     *         .flatMap(m -> connection.send(WsMessage.ack(m.id(), Map.of("ok", true))));
     * }</pre>
     */
    public static WsMessage ack(String requestId, Object data) {
        return builder(ACK).id(Objects.requireNonNull(requestId, "requestId")).data(data).build();
    }

    /** {@code ack} with an {@code error}: the client refuses or failed the hub's request {@code requestId}. */
    public static WsMessage ackError(String requestId, String reason) {
        return builder(ACK).id(Objects.requireNonNull(requestId, "requestId")).error(Objects.requireNonNull(reason, "reason")).build();
    }

    /** Whether this is a request of the hub waiting for an {@link #ack}: its id has the reserved prefix, its type is not {@code error} or {@code ack}. */
    public boolean isHubRequest() {
        return id != null && id.startsWith(HUB_REQUEST_ID_PREFIX) && !type.equals(ERROR) && !type.equals(ACK);
    }

    /** What the message is; never {@code null} or empty. */
    public String type() {
        return type;
    }

    /** The topic it concerns, or {@code null}. */
    public String topic() {
        return topic;
    }

    /** The payload, or {@code null} when absent (a JSON {@code null} is a {@code NullNode}). */
    public JsonNode data() {
        return data;
    }

    /** The correlation id, or {@code null}. */
    public String id() {
        return id;
    }

    /** When the server produced the message, or {@code null}. */
    public Instant timestamp() {
        return timestamp;
    }

    /** The position of a topic message in the topic's history (opaque), or {@code null}. */
    public String offset() {
        return offset;
    }

    /** The reason, on {@code error} messages; otherwise {@code null}. */
    public String error() {
        return error;
    }

    /** {@code true} when this message has the given type. */
    public boolean is(String messageType) {
        return type.equals(messageType);
    }

    /** A builder pre-filled with this message's fields. */
    public Builder mutate() {
        return new Builder(type).topic(topic).data(data).id(id).timestamp(timestamp).offset(offset).error(error);
    }

    /** This message with another id. */
    public WsMessage withId(String newId) {
        return Objects.equals(id, newId) ? this : mutate().id(newId).build();
    }

    /** This message with another timestamp. */
    public WsMessage withTimestamp(Instant newTimestamp) {
        return Objects.equals(timestamp, newTimestamp) ? this : mutate().timestamp(newTimestamp).build();
    }

    /** This message with another offset. */
    public WsMessage withOffset(String newOffset) {
        return Objects.equals(offset, newOffset) ? this : mutate().offset(newOffset).build();
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof WsMessage m)) {
            return false;
        }
        return type.equals(m.type) && Objects.equals(topic, m.topic) && Objects.equals(data, m.data)
                && Objects.equals(id, m.id) && Objects.equals(timestamp, m.timestamp)
                && Objects.equals(offset, m.offset) && Objects.equals(error, m.error);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, topic, data, id, timestamp, offset, error);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("WsMessage{type=").append(type);
        if (topic != null) {
            sb.append(", topic=").append(topic);
        }
        if (id != null) {
            sb.append(", id=").append(id);
        }
        if (offset != null) {
            sb.append(", offset=").append(offset);
        }
        if (error != null) {
            sb.append(", error=").append(error);
        }
        if (data != null) {
            String d = data.toString();
            sb.append(", data=").append(d.length() > 200 ? d.substring(0, 200) + "…" : d);
        }
        return sb.append('}').toString();
    }

    /**
     * Builds a {@link WsMessage}. Not thread-safe; {@link #build()} may be called more than once.
     */
    public static final class Builder {
        private final String type;
        private String topic;
        private JsonNode data;
        private String id;
        private Instant timestamp;
        private String offset;
        private String error;

        private Builder(String type) {
            this.type = Objects.requireNonNull(type, "type");
        }

        /** The topic, or {@code null}. Not validated here: the codec and the hub validate topics. */
        public Builder topic(String topic) {
            this.topic = topic;
            return this;
        }

        /**
         * The payload: a {@link JsonNode} is used as it is, any other object is converted with
         * Jackson's default mapper; {@code null} means no {@code data} field.
         */
        public Builder data(Object data) {
            if (data == null || data instanceof JsonNode) {
                this.data = (JsonNode) data;
            } else {
                this.data = JsonMapper.shared().valueToTree(data);
            }
            return this;
        }

        /** The correlation id, or {@code null}. */
        public Builder id(String id) {
            this.id = id;
            return this;
        }

        /** The server timestamp, or {@code null}. */
        public Builder timestamp(Instant timestamp) {
            this.timestamp = timestamp;
            return this;
        }

        /** The history offset, or {@code null}. */
        public Builder offset(String offset) {
            this.offset = offset;
            return this;
        }

        /** The error reason, or {@code null}. */
        public Builder error(String error) {
            this.error = error;
            return this;
        }

        /** The immutable message. */
        public WsMessage build() {
            return new WsMessage(this);
        }
    }
}
