package io.reactivewspool.message;

import java.nio.charset.StandardCharsets;

import io.reactivewspool.WsProtocolException;
import io.reactivewspool.internal.codec.JacksonJsonCodec;

/**
 * Turns {@link WsMessage}s into frame payloads and back. The hub encodes a broadcast once and
 * hands the same bytes to every recipient, so {@link #encode} must return a fresh array that
 * nobody mutates afterwards.
 *
 * <p>Implementations are thread-safe. {@link #json()} is the protocol's JSON codec, built on
 * Jackson 3 with the input limits of {@link JsonCodecOptions}.
 *
 * <pre>{@code
 * WsCodec codec = WsCodec.json();
 * byte[] payload = codec.encode(WsMessage.subscribe("prices"));
 * WsMessage back = codec.decode(payload);           // equal to the original
 * codec.decode("{\"type\": 42}");                   // WsProtocolException: INVALID_TYPE
 * }</pre>
 */
public interface WsCodec {

    /** The JSON codec with the default limits of {@link JsonCodecOptions}. */
    static WsCodec json() {
        return JacksonJsonCodec.DEFAULT;
    }

    /** The JSON codec with the given limits. */
    static WsCodec json(JsonCodecOptions options) {
        return new JacksonJsonCodec(options);
    }

    /**
     * Encodes a message to its UTF-8 payload.
     *
     * @return a new array owned by the caller; share it, never mutate it
     */
    byte[] encode(WsMessage message);

    /**
     * Decodes one frame payload.
     *
     * @throws WsProtocolException when the payload is not a valid protocol message; the
     *                             exception says what is wrong and carries the message's id
     *                             when it could be read
     */
    WsMessage decode(byte[] utf8, int offset, int length);

    /** Decodes a whole array; see {@link #decode(byte[], int, int)}. */
    default WsMessage decode(byte[] utf8) {
        return decode(utf8, 0, utf8.length);
    }

    /** Decodes a text frame's content; see {@link #decode(byte[], int, int)}. */
    default WsMessage decode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return decode(bytes, 0, bytes.length);
    }
}
