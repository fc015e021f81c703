package io.reactivewspool.server;

import java.util.Objects;

/**
 * One frame the hub sends to a connection. For a broadcast the hub builds ONE frame whose
 * payload is the message encoded once, and hands that same instance to every recipient's queue;
 * a transport wraps {@link #payload()} without copying (Reactor Netty: one
 * {@code Unpooled.wrappedBuffer} per channel). Because recipients share the instance, a
 * transport may also cache a transport-specific prepared form of the frame keyed by identity.
 *
 * <p>Immutable. The payload array is shared: never mutate it.
 */
public final class OutboundFrame {

    /** The WebSocket frame types the hub sends. */
    public enum Kind {
        /** A text frame carrying an encoded envelope. */
        TEXT,
        /** A binary frame carrying an encoded envelope (binary codecs). */
        BINARY,
        /** A ping control frame (heartbeat). */
        PING,
        /** A pong control frame, answering a client's ping frame. */
        PONG
    }

    private static final byte[] EMPTY = new byte[0];
    private static final OutboundFrame PING_FRAME = new OutboundFrame(Kind.PING, EMPTY);

    private final Kind kind;
    private final byte[] payload;

    private OutboundFrame(Kind kind, byte[] payload) {
        this.kind = Objects.requireNonNull(kind, "kind");
        this.payload = Objects.requireNonNull(payload, "payload");
    }

    /** A text frame around an encoded envelope (the array is shared, not copied). */
    public static OutboundFrame text(byte[] encoded) {
        return new OutboundFrame(Kind.TEXT, encoded);
    }

    /** A binary frame around an encoded envelope (the array is shared, not copied). */
    public static OutboundFrame binary(byte[] encoded) {
        return new OutboundFrame(Kind.BINARY, encoded);
    }

    /** An empty ping control frame (one shared instance). */
    public static OutboundFrame ping() {
        return PING_FRAME;
    }

    /** A pong control frame echoing a ping's payload (at most 125 bytes). */
    public static OutboundFrame pong(byte[] pingPayload) {
        return new OutboundFrame(Kind.PONG, pingPayload == null ? EMPTY : pingPayload);
    }

    /** What frame this is. */
    public Kind kind() {
        return kind;
    }

    /** The shared payload bytes; never mutate them. */
    public byte[] payload() {
        return payload;
    }

    /** The payload size in bytes. */
    public int size() {
        return payload.length;
    }

    @Override
    public String toString() {
        return "OutboundFrame{" + kind + ", " + payload.length + " bytes}";
    }
}
