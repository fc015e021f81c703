package io.reactivewspool.server;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One frame a client sent, as a transport hands it to the hub. The transport copies the frame's
 * bytes out of its own buffer (and releases that buffer) before emitting, so the hub owns
 * {@code payload}. Fragmented messages arrive aggregated.
 *
 * @param kind    what frame it is
 * @param payload the frame's payload; empty for control frames without data
 */
public record InboundFrame(Kind kind, byte[] payload) {

    /** The WebSocket frame types the hub distinguishes. */
    public enum Kind {
        /** A text frame: a UTF-8 JSON envelope. */
        TEXT,
        /** A binary frame. */
        BINARY,
        /** A ping control frame; the hub answers with a pong frame. */
        PING,
        /** A pong control frame. */
        PONG
    }

    public InboundFrame {
        Objects.requireNonNull(kind, "kind");
        payload = payload == null ? new byte[0] : payload;
    }

    /** A text frame with the given UTF-8 payload. */
    public static InboundFrame text(byte[] utf8) {
        return new InboundFrame(Kind.TEXT, utf8);
    }

    /** A text frame with the given content. */
    public static InboundFrame text(String text) {
        return new InboundFrame(Kind.TEXT, text.getBytes(StandardCharsets.UTF_8));
    }
}
