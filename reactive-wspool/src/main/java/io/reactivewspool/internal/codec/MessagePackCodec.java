package io.reactivewspool.internal.codec;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import io.reactivewspool.WsProtocolException;
import io.reactivewspool.WsProtocolException.Problem;
import io.reactivewspool.message.JsonCodecOptions;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ValueType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The envelope in MessagePack, on {@code org.msgpack:msgpack-core}: a map with the JSON envelope's
 * field names, {@code timestamp} as the same ISO-8601 string, {@code data} any MessagePack value but
 * an extension (byte strings become binary nodes). Binary frames. Jackson 3 has no MessagePack format,
 * so the envelope is walked here, with the limits of {@link JsonCodecOptions}: nesting depth, string
 * and name length (bytes), values per frame, frame length. A decimal number is written as a double
 * (MessagePack has no decimal type); an integer beyond 64 bits, as its decimal string.
 */
public final class MessagePackCodec implements WsCodec {

    public static final MessagePackCodec DEFAULT = new MessagePackCodec(JsonCodecOptions.defaults());

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /**
     * The default packer buffer is 8 KiB, allocated per encode (9.7 KB/op for a 113-byte frame in
     * CodecBenchmark); a buffer packer grows in chunks of this size, so small envelopes take one.
     */
    private static final MessagePack.PackerConfig PACKER = new MessagePack.PackerConfig().withBufferSize(256);
    private static final String FRAMING = "send one MessagePack map per binary frame";

    private final JsonCodecOptions limits;

    public MessagePackCodec(JsonCodecOptions limits) {
        this.limits = limits;
    }

    @Override
    public String subprotocol() {
        return WsCodec.MESSAGE_PACK_SUBPROTOCOL;
    }

    @Override
    public boolean binary() {
        return true;
    }

    // ---------------------------------------------------------------- encode

    @Override
    public byte[] encode(WsMessage m) {
        try (MessageBufferPacker p = PACKER.newBufferPacker()) {
            int fields = 1 + count(m.topic()) + count(m.data()) + count(m.id()) + count(m.timestamp())
                    + count(m.offset()) + count(m.error());
            p.packMapHeader(fields);
            p.packString("type").packString(m.type());
            if (m.topic() != null) {
                p.packString("topic").packString(m.topic());
            }
            if (m.data() != null) {
                p.packString("data");
                pack(p, m.data());
            }
            if (m.id() != null) {
                p.packString("id").packString(m.id());
            }
            if (m.timestamp() != null) {
                p.packString("timestamp").packString(m.timestamp().toString());
            }
            if (m.offset() != null) {
                p.packString("offset").packString(m.offset());
            }
            if (m.error() != null) {
                p.packString("error").packString(m.error());
            }
            return p.toByteArray();
        } catch (IOException e) {
            // A buffer packer writes to memory only.
            throw new IllegalStateException("MessagePack encoding failed in memory", e);
        }
    }

    private static int count(Object field) {
        return field == null ? 0 : 1;
    }

    private static void pack(MessageBufferPacker p, JsonNode n) throws IOException {
        switch (n.getNodeType()) {
            case OBJECT -> {
                p.packMapHeader(n.size());
                for (Map.Entry<String, JsonNode> e : n.properties()) {
                    p.packString(e.getKey());
                    pack(p, e.getValue());
                }
            }
            case ARRAY -> {
                p.packArrayHeader(n.size());
                for (JsonNode v : n) {
                    pack(p, v);
                }
            }
            case STRING -> p.packString(n.stringValue());
            case BOOLEAN -> p.packBoolean(n.booleanValue());
            case NULL, MISSING -> p.packNil();
            case BINARY -> {
                byte[] b = n.binaryValue();
                p.packBinaryHeader(b.length);
                p.writePayload(b);
            }
            case NUMBER -> packNumber(p, n);
            default -> p.packString(n.asString());
        }
    }

    private static void packNumber(MessageBufferPacker p, JsonNode n) throws IOException {
        if (n.isIntegralNumber()) {
            BigInteger big = n.bigIntegerValue();
            if (big.bitLength() <= 63) {
                p.packLong(big.longValue());
            } else if (big.signum() > 0 && big.bitLength() <= 64) {
                p.packBigInteger(big);
            } else {
                p.packString(big.toString());
            }
        } else if (n.isFloat()) {
            p.packFloat(n.floatValue());
        } else {
            p.packDouble(n.doubleValue());
        }
    }

    // ---------------------------------------------------------------- decode

    @Override
    public WsMessage decode(byte[] bytes, int offset, int length) {
        if (length > limits.maxDocumentLength()) {
            throw new WsProtocolException(Problem.LIMIT_EXCEEDED, "message exceeds a size limit: " + length
                    + " bytes, more than " + limits.maxDocumentLength() + "; send a smaller message", null);
        }
        if (length == 0) {
            throw malformed("the frame is empty", null, null);
        }
        Reader r = new Reader(MessagePack.newDefaultUnpacker(bytes, offset, length), length);
        try {
            MessageFormat first = r.in.getNextFormat();
            if (first.getValueType() != ValueType.MAP) {
                r.value(1);
                r.ensureEnd(null);
                throw new WsProtocolException(Problem.NOT_AN_OBJECT,
                        "message must be a MessagePack map with a \"type\" field, got " + describe(first), null);
            }
            return r.envelope();
        } catch (MessagePackException | IOException e) {
            throw malformed(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage(), r.id, e);
        } finally {
            try {
                r.in.close();
            } catch (IOException ignored) {
                // An unpacker over an array holds nothing to close.
            }
        }
    }

    private static WsProtocolException malformed(String what, String id, Throwable cause) {
        return new WsProtocolException(Problem.MALFORMED_JSON, "malformed MessagePack: " + what + "; " + FRAMING, id, cause);
    }

    private static String describe(MessageFormat f) {
        return switch (f.getValueType()) {
            case MAP -> "a map";
            case ARRAY -> "an array";
            case STRING -> "a string";
            case INTEGER, FLOAT -> "a number";
            case BOOLEAN -> "a boolean";
            case NIL -> "nil";
            case BINARY -> "a byte string";
            case EXTENSION -> "an extension value";
        };
    }

    /** One frame's walk: the envelope's fields, then any value as a tree, within the limits. */
    private final class Reader {
        final MessageUnpacker in;
        final int length;
        long tokens;
        String id;

        Reader(MessageUnpacker in, int length) {
            this.in = in;
            this.length = length;
        }

        WsMessage envelope() throws IOException {
            int n = in.unpackMapHeader();
            count();
            EnvelopeFields fields = new EnvelopeFields();
            Set<String> seen = new HashSet<>(8);
            for (int i = 0; i < n; i++) {
                String name = key();
                if (!seen.add(name)) {
                    throw duplicate(name);
                }
                MessageFormat f = in.getNextFormat();
                boolean isString = f.getValueType() == ValueType.STRING;
                boolean isNil = f.getValueType() == ValueType.NIL;
                JsonNode v = value(1);
                switch (name) {
                    case "type" -> {
                        if (isString) {
                            fields.type(v.stringValue());
                        } else {
                            fields.typeNotString(describe(f));
                        }
                    }
                    case "id" -> {
                        if (isString) {
                            fields.id(v.stringValue());
                        } else if (!isNil) {
                            fields.idNotString(v.isValueNode() ? v.asString() : null, describe(f));
                        }
                        id = fields.id();
                    }
                    case "topic" -> {
                        if (isString) {
                            fields.topic(v.stringValue());
                        } else if (!isNil) {
                            fields.topicNotString(describe(f));
                        }
                    }
                    case "data" -> fields.data(v);
                    case "timestamp" -> {
                        if (isString) {
                            fields.timestamp(v.stringValue());
                        } else if (!isNil) {
                            fields.timestampNotString(describe(f));
                        }
                    }
                    case "offset" -> {
                        if (isString) {
                            fields.offset(v.stringValue());
                        } else if (!isNil) {
                            fields.offsetNotString(describe(f));
                        }
                    }
                    case "error" -> {
                        if (isString) {
                            fields.error(v.stringValue());
                        } else if (!isNil) {
                            fields.errorNotString(describe(f));
                        }
                    }
                    default -> {
                        // Unknown fields are ignored by the protocol (read all the same, within the limits).
                    }
                }
            }
            ensureEnd(id);
            return fields.message();
        }

        /** Reads any value as a tree; {@code depth} is the nesting depth it would open. */
        JsonNode value(int depth) throws IOException {
            count();
            MessageFormat f = in.getNextFormat();
            return switch (f.getValueType()) {
                case NIL -> {
                    in.unpackNil();
                    yield NODES.nullNode();
                }
                case BOOLEAN -> NODES.booleanNode(in.unpackBoolean());
                case INTEGER -> {
                    if (f == MessageFormat.UINT64) {
                        BigInteger big = in.unpackBigInteger();
                        yield big.bitLength() <= 63 ? NODES.numberNode(big.longValue()) : NODES.numberNode(big);
                    }
                    long v = in.unpackLong();
                    yield v == (int) v ? NODES.numberNode((int) v) : NODES.numberNode(v);
                }
                case FLOAT -> f == MessageFormat.FLOAT32 ? NODES.numberNode(in.unpackFloat()) : NODES.numberNode(in.unpackDouble());
                case STRING -> NODES.stringNode(string(in.unpackRawStringHeader(), limits.maxStringLength(), "string"));
                case BINARY -> NODES.binaryNode(payload(in.unpackBinaryHeader(), limits.maxStringLength(), "byte string"));
                case ARRAY -> {
                    int n = in.unpackArrayHeader();
                    checkDepth(depth);
                    ArrayNode a = NODES.arrayNode();
                    for (int i = 0; i < n; i++) {
                        a.add(value(depth + 1));
                    }
                    yield a;
                }
                case MAP -> {
                    int n = in.unpackMapHeader();
                    checkDepth(depth);
                    ObjectNode o = NODES.objectNode();
                    for (int i = 0; i < n; i++) {
                        String name = key();
                        if (o.replace(name, value(depth + 1)) != null) {
                            throw duplicate(name);
                        }
                    }
                    yield o;
                }
                case EXTENSION -> throw new WsProtocolException(Problem.MALFORMED_JSON, "malformed MessagePack: extension type "
                        + in.unpackExtensionTypeHeader().getType() + " is not supported; use plain MessagePack values", id);
            };
        }

        private String key() throws IOException {
            count();
            MessageFormat f = in.getNextFormat();
            if (f.getValueType() != ValueType.STRING) {
                throw malformed("map keys must be strings, got " + describe(f), id, null);
            }
            return string(in.unpackRawStringHeader(), limits.maxNameLength(), "name");
        }

        private String string(int size, int max, String what) throws IOException {
            byte[] utf8 = payload(size, max, what);
            int bad = StrictUtf8.firstInvalid(utf8, 0, utf8.length);
            if (bad >= 0) {
                throw malformed("invalid UTF-8 in a " + what + " at its byte " + bad, id, null);
            }
            return new String(utf8, StandardCharsets.UTF_8);
        }

        /** A payload of {@code size} bytes, refused before any allocation when over the limit or the frame. */
        private byte[] payload(int size, int max, String what) throws IOException {
            if (size < 0 || size > max) {
                throw new WsProtocolException(Problem.LIMIT_EXCEEDED, "message exceeds a size limit: a " + what + " of "
                        + Integer.toUnsignedString(size) + " bytes, more than " + max + "; send a smaller message", id);
            }
            if (size > length - in.getTotalReadBytes()) {
                throw malformed("a " + what + " of " + size + " bytes runs past the end of the frame", id, null);
            }
            return in.readPayload(size);
        }

        private void checkDepth(int depth) {
            if (depth > limits.maxNestingDepth()) {
                throw new WsProtocolException(Problem.LIMIT_EXCEEDED, "message exceeds a size limit: nesting depth "
                        + depth + " is more than " + limits.maxNestingDepth() + "; send a smaller or flatter message", id);
            }
        }

        private void count() {
            if (++tokens > limits.maxTokenCount()) {
                throw new WsProtocolException(Problem.LIMIT_EXCEEDED, "message exceeds a size limit: more than "
                        + limits.maxTokenCount() + " values; send a smaller or flatter message", id);
            }
        }

        void ensureEnd(String messageId) throws IOException {
            if (in.hasNext()) {
                throw new WsProtocolException(Problem.MALFORMED_JSON, "malformed MessagePack: trailing content after the message ("
                        + describe(in.getNextFormat()) + "); send exactly one MessagePack map per binary frame", messageId);
            }
        }

        private WsProtocolException duplicate(String name) {
            return new WsProtocolException(Problem.MALFORMED_JSON, "malformed MessagePack: Duplicate Object property \""
                    + name + "\"; send each field once per map", id);
        }
    }
}
