package io.reactivewspool.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.reactivewspool.message.WsCodec;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.cbor.CBORMapper;

/**
 * An envelope written field by field, for what a {@link io.reactivewspool.message.WsMessage} cannot
 * express (no type, a numeric type, unknown fields), encoded in any of the shipped codecs' formats:
 * JSON text, CBOR or MessagePack bytes. Values: strings, numbers, booleans, {@code null}, maps, lists.
 *
 * <pre>{@code
 * byte[] cbor = HandWrittenEnvelope.of("type", 42, "id", "m3").encode(WsCodec.cbor());
 * }</pre>
 */
public final class HandWrittenEnvelope {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Map<String, Object> fields;

    private HandWrittenEnvelope(Map<String, Object> fields) {
        this.fields = fields;
    }

    /** The envelope with these fields, in this order: name, value, name, value... */
    public static HandWrittenEnvelope of(Object... namesAndValues) {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            fields.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return new HandWrittenEnvelope(fields);
    }

    /** The envelope's bytes in {@code codec}'s format (UTF-8 JSON text for the JSON codec). */
    public byte[] encode(WsCodec codec) {
        return switch (codec.subprotocol()) {
            case WsCodec.CBOR_SUBPROTOCOL -> Cbor.MAPPER.writeValueAsBytes(fields);
            case WsCodec.MESSAGE_PACK_SUBPROTOCOL -> MessagePackWriter.write(fields);
            case WsCodec.JSON_SUBPROTOCOL -> JSON.writeValueAsBytes(fields);
            default -> throw new IllegalArgumentException("no hand-written envelopes in " + codec.subprotocol());
        };
    }

    // Loaded only when a binary format is asked for: an adapter whose tests lack the optional
    // CBOR or MessagePack library (the chat sample, the Jetty module) runs the JSON rows without them.
    private static final class Cbor {
        static final CBORMapper MAPPER = CBORMapper.builder().build();
    }

    private static final class MessagePackWriter {

        static byte[] write(Map<String, Object> fields) {
            try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
                pack(p, fields);
                return p.toByteArray();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static void pack(MessageBufferPacker p, Object v) throws IOException {
            if (v == null) {
                p.packNil();
            } else if (v instanceof String s) {
                p.packString(s);
            } else if (v instanceof Boolean b) {
                p.packBoolean(b);
            } else if (v instanceof Double || v instanceof Float) {
                p.packDouble(((Number) v).doubleValue());
            } else if (v instanceof Number n) {
                p.packLong(n.longValue());
            } else if (v instanceof Map<?, ?> m) {
                p.packMapHeader(m.size());
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    p.packString((String) e.getKey());
                    pack(p, e.getValue());
                }
            } else if (v instanceof List<?> l) {
                p.packArrayHeader(l.size());
                for (Object o : l) {
                    pack(p, o);
                }
            } else {
                throw new IllegalArgumentException("no MessagePack form for " + v.getClass().getName());
            }
        }
    }
}
