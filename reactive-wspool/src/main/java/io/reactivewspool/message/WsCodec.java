package io.reactivewspool.message;

import java.nio.charset.StandardCharsets;

import io.reactivewspool.WsProtocolException;
import io.reactivewspool.internal.codec.FormatLibraries;
import io.reactivewspool.internal.codec.JacksonJsonCodec;

/**
 * Turns {@link WsMessage}s into frame payloads and back. The hub encodes a broadcast once per
 * codec in use and hands the same bytes to every recipient of that codec, so {@link #encode} must
 * return a fresh array that nobody mutates afterwards.
 *
 * <p>Implementations are thread-safe. {@link #json()} is the protocol's JSON codec (text frames),
 * built on Jackson 3 with the input limits of {@link JsonCodecOptions}; {@link #cbor()} and
 * {@link #messagePack()} carry the same envelope in binary frames. A client chooses one per
 * connection with the WebSocket subprotocol of {@link #subprotocol()} (see docs/PROTOCOL.md).
 *
 * <pre>{@code
 * WsCodec codec = WsCodec.json();
 * byte[] payload = codec.encode(WsMessage.subscribe("prices"));
 * WsMessage back = codec.decode(payload);           // equal to the original
 * codec.decode("{\"type\": 42}");                   // WsProtocolException: INVALID_TYPE
 *
 * WsCodec cbor = WsCodec.cbor();                    // cbor.binary() == true, subprotocol "wspool.cbor"
 * }</pre>
 */
public interface WsCodec {

    /** The subprotocol of {@link #json()}: {@value}. */
    String JSON_SUBPROTOCOL = "wspool.json";
    /** The subprotocol of {@link #cbor()}: {@value}. */
    String CBOR_SUBPROTOCOL = "wspool.cbor";
    /** The subprotocol of {@link #messagePack()}: {@value}. */
    String MESSAGE_PACK_SUBPROTOCOL = "wspool.msgpack";

    /** The JSON codec with the default limits of {@link JsonCodecOptions}. */
    static WsCodec json() {
        return JacksonJsonCodec.DEFAULT;
    }

    /** The JSON codec with the given limits. */
    static WsCodec json(JsonCodecOptions options) {
        return new JacksonJsonCodec(options);
    }

    /**
     * The CBOR codec (RFC 8949) with the default limits of {@link JsonCodecOptions}: binary frames,
     * subprotocol {@value #CBOR_SUBPROTOCOL}. Needs {@code tools.jackson.dataformat:jackson-dataformat-cbor}
     * (an optional dependency; the version of the Jackson BOM).
     *
     * @throws IllegalStateException when that library is missing, naming it
     */
    static WsCodec cbor() {
        return FormatLibraries.cbor(JsonCodecOptions.defaults());
    }

    /** The CBOR codec with the given limits; see {@link #cbor()}. */
    static WsCodec cbor(JsonCodecOptions options) {
        return FormatLibraries.cbor(options);
    }

    /**
     * The MessagePack codec with the default limits of {@link JsonCodecOptions}: binary frames,
     * subprotocol {@value #MESSAGE_PACK_SUBPROTOCOL}. Needs {@code org.msgpack:msgpack-core} (an
     * optional dependency).
     *
     * @throws IllegalStateException when that library is missing, naming it
     */
    static WsCodec messagePack() {
        return FormatLibraries.messagePack(JsonCodecOptions.defaults());
    }

    /** The MessagePack codec with the given limits; see {@link #messagePack()}. */
    static WsCodec messagePack(JsonCodecOptions options) {
        return FormatLibraries.messagePack(options);
    }

    /**
     * The WebSocket subprotocol ({@code Sec-WebSocket-Protocol}) under which a client asks for this
     * codec, or {@code null} (the default) when it cannot be asked for by name: such a codec serves
     * only as a hub's default codec. A token of RFC 7230 (letters, digits, {@code .-_} and the like).
     */
    default String subprotocol() {
        return null;
    }

    /**
     * Whether payloads travel in binary frames ({@code true}) or in text frames, when they must be
     * UTF-8 ({@code false}, the default).
     */
    default boolean binary() {
        return false;
    }

    /**
     * Encodes a message to its payload (UTF-8 for a text codec).
     *
     * @return a new array owned by the caller; share it, never mutate it
     */
    byte[] encode(WsMessage message);

    /**
     * Decodes one frame payload (its bytes, whatever the frame kind).
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
