package io.reactivewspool.message;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import io.reactivewspool.WsProtocolException;
import io.reactivewspool.WsProtocolException.Problem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.cbor.CBORFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * The binary codecs against the same rows as {@link JsonCodecTest}: each JSON bad-input row that is
 * well-formed JSON is transcoded token by token (duplicate names kept) into CBOR and MessagePack and
 * must be refused with the same problem and id; then what only binary input can do wrong.
 */
class BinaryCodecTest {

    private static final Set<String> NOT_TRANSCODABLE = Set.of("malformed JSON", "malformed JSON after the id", "not JSON at all");

    static Stream<WsCodec> codecs() {
        return Stream.of(WsCodec.cbor(), WsCodec.messagePack());
    }

    static Stream<Arguments> badInput() {
        return codecs().flatMap(codec -> JsonCodecTest.badInput()
                .filter(row -> !NOT_TRANSCODABLE.contains((String) row.get()[0]))
                .map(row -> {
                    Object[] a = row.get();
                    boolean cbor = codec.subprotocol().endsWith("cbor");
                    // MessagePack names its own kinds: a map, not an object.
                    String words = ((String) a[4]).replace("JSON object", cbor ? "CBOR map" : "MessagePack map")
                            .replace("got an object", cbor ? "got an object" : "got a map");
                    return arguments(codec.subprotocol() + ": " + a[0], codec, transcode((String) a[1], codec), a[2], a[3], words);
                }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badInput")
    void badInputIsRejectedAsInJsonWithAReasonAndTheId(String name, WsCodec codec, byte[] frame, Problem problem, String id, String words) {
        WsProtocolException e = catchThrowableOfType(WsProtocolException.class, () -> codec.decode(frame));
        assertThat(e).as(name).isNotNull();
        assertThat(e.problem()).as(e.getMessage()).isEqualTo(problem);
        assertThat(e.messageId()).isEqualTo(id);
        assertThat(e.getMessage()).contains(words);
    }

    @ParameterizedTest
    @MethodSource("codecs")
    void everyFieldAndValueKindSurvivesARoundTrip(WsCodec codec) {
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        data.put("int", 7).put("long", 12_345_678_901L).put("neg", -3).put("double", 1.25).put("text", "é ✓ 😀")
                .put("yes", true).putNull("nothing").put("bytes", new byte[] {0, 1, (byte) 0xff})
                .put("big", new BigInteger("18446744073709551615"));
        data.putArray("list").add(1).add("two").addObject().put("three", 3);
        data.putObject("nested").putObject("deeper").putArray("empty");
        WsMessage m = WsMessage.builder("custom.type").topic("orders:eu/1").data(data).id("id-1")
                .timestamp(Instant.parse("2026-12-06T09:30:00.123456789Z")).offset("7:42").error("e").build();
        WsMessage back = codec.decode(codec.encode(m));
        assertThat(back).isEqualTo(m);
        assertThat(codec.binary()).isTrue();
    }

    @ParameterizedTest
    @MethodSource("codecs")
    void truncatedGarbageAndTrailingFramesAreMalformedKeepingTheId(WsCodec codec) {
        byte[] whole = codec.encode(WsMessage.builder("subscribe").id("k-1").topic("a").data(Map.of("x", "y")).build());
        for (int cut = 1; cut < whole.length; cut++) {
            byte[] truncated = Arrays.copyOf(whole, whole.length - cut);
            WsProtocolException e = catchThrowableOfType(WsProtocolException.class, () -> codec.decode(truncated));
            assertThat(e).isNotNull();
            assertThat(e.problem()).isIn(Problem.MALFORMED_JSON, Problem.MISSING_TYPE);
        }
        WsProtocolException garbage = catchThrowableOfType(WsProtocolException.class,
                () -> codec.decode(new byte[] {(byte) 0xc1, (byte) 0xff, 0x00}));
        assertThat(garbage.getMessage()).startsWith("malformed ");
        byte[] twice = new byte[whole.length * 2];
        System.arraycopy(whole, 0, twice, 0, whole.length);
        System.arraycopy(whole, 0, twice, whole.length, whole.length);
        WsProtocolException trailing = catchThrowableOfType(WsProtocolException.class, () -> codec.decode(twice));
        assertThat(trailing.getMessage()).contains("trailing content");
        assertThat(trailing.messageId()).isEqualTo("k-1");
    }

    @ParameterizedTest
    @MethodSource("codecs")
    void lengthsClaimedPastTheFrameOrTheLimitsAreRefusedWithoutAllocatingThem(WsCodec codec) {
        // A map whose "type" is a string claiming 2^31-1 bytes (str32 in MessagePack, a 4-byte length in CBOR).
        byte[] hostile = codec.subprotocol().endsWith("msgpack")
                ? new byte[] {(byte) 0x81, (byte) 0xa4, 't', 'y', 'p', 'e', (byte) 0xdb, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 'x'}
                : new byte[] {(byte) 0xa1, 0x64, 't', 'y', 'p', 'e', 0x7a, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 'x'};
        WsProtocolException e = catchThrowableOfType(WsProtocolException.class, () -> codec.decode(hostile));
        assertThat(e).isNotNull();
        assertThat(e.problem()).isIn(Problem.MALFORMED_JSON, Problem.LIMIT_EXCEEDED);
        // A map claiming 2^32-1 entries in a few bytes ends at the end of the frame.
        byte[] manyEntries = codec.subprotocol().endsWith("msgpack")
                ? new byte[] {(byte) 0xdf, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xa1, 'a', 1}
                : new byte[] {(byte) 0xbb, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x61, 'a', 1};
        assertThat(catchThrowableOfType(WsProtocolException.class, () -> codec.decode(manyEntries))).isNotNull();
    }

    @ParameterizedTest
    @MethodSource("codecs")
    void tighterLimitsApply(WsCodec codec) {
        JsonCodecOptions tight = JsonCodecOptions.builder().maxStringLength(8).build();
        WsCodec limited = codec.subprotocol().endsWith("msgpack") ? WsCodec.messagePack(tight) : WsCodec.cbor(tight);
        byte[] frame = codec.encode(WsMessage.builder("x").data(Map.of("s", "0123456789")).id("L").build());
        WsProtocolException e = catchThrowableOfType(WsProtocolException.class, () -> limited.decode(frame));
        assertThat(e.problem()).isEqualTo(Problem.LIMIT_EXCEEDED);
        assertThat(e.getMessage()).contains("limit");
    }

    @Test
    void messagePackExtensionsAndNonStringKeysAreRefusedClearly() throws Exception {
        WsCodec codec = WsCodec.messagePack();
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packMapHeader(2).packString("type").packString("x").packString("data").packExtensionTypeHeader((byte) 5, 1);
            p.writePayload(new byte[] {1});
            WsProtocolException e = catchThrowableOfType(WsProtocolException.class, () -> codec.decode(p.toByteArray()));
            assertThat(e.getMessage()).contains("extension type 5 is not supported");
        }
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packMapHeader(1).packInt(1).packString("x");
            WsProtocolException e = catchThrowableOfType(WsProtocolException.class, () -> codec.decode(p.toByteArray()));
            assertThat(e.getMessage()).contains("map keys must be strings");
        }
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packMapHeader(1).packString("type").packRawStringHeader(2);
            p.writePayload(new byte[] {(byte) 0xc3, 0x28});
            WsProtocolException e = catchThrowableOfType(WsProtocolException.class, () -> codec.decode(p.toByteArray()));
            assertThat(e.getMessage()).contains("invalid UTF-8");
        }
    }

    // ---------------------------------------------------------------- JSON rows into binary formats

    /** The JSON text's values, token by token (repeated names kept), in {@code codec}'s format. */
    static byte[] transcode(String json, WsCodec codec) {
        List<Object> roots = new ArrayList<>();
        try (JsonParser p = new JsonFactory().createParser(ObjectReadContext.empty(), json.getBytes(StandardCharsets.UTF_8))) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                roots.add(read(p, t));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (codec.subprotocol().endsWith("msgpack")) {
            try (MessageBufferPacker packer = MessagePack.newDefaultBufferPacker()) {
                for (Object v : roots) {
                    pack(packer, v);
                }
                return packer.toByteArray();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        try (JsonGenerator g = new CBORFactory().createGenerator(ObjectWriteContext.empty(), out)) {
            for (Object v : roots) {
                write(g, v);
            }
        }
        return out.toByteArray();
    }

    /** A value as Java objects; an object is a list of name/value pairs, so repeated names survive. */
    private static Object read(JsonParser p, JsonToken t) {
        return switch (t) {
            case START_OBJECT -> {
                List<Object[]> pairs = new ArrayList<>();
                while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                    String name = p.currentName();
                    pairs.add(new Object[] {name, read(p, p.nextToken())});
                }
                yield pairs;
            }
            case START_ARRAY -> {
                List<Object> items = new ArrayList<>();
                JsonToken n;
                while ((n = p.nextToken()) != JsonToken.END_ARRAY) {
                    items.add(read(p, n));
                }
                yield items.toArray();
            }
            case VALUE_STRING -> p.getString();
            case VALUE_NUMBER_INT -> p.getLongValue();
            case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
            case VALUE_TRUE -> true;
            case VALUE_FALSE -> false;
            default -> null;
        };
    }

    @SuppressWarnings("unchecked")
    private static void pack(MessageBufferPacker p, Object v) throws IOException {
        if (v instanceof List<?> pairs) {
            p.packMapHeader(pairs.size());
            for (Object[] pair : (List<Object[]>) pairs) {
                p.packString((String) pair[0]);
                pack(p, pair[1]);
            }
        } else if (v instanceof Object[] items) {
            p.packArrayHeader(items.length);
            for (Object i : items) {
                pack(p, i);
            }
        } else if (v instanceof String s) {
            p.packString(s);
        } else if (v instanceof Long l) {
            p.packLong(l);
        } else if (v instanceof Double d) {
            p.packDouble(d);
        } else if (v instanceof Boolean b) {
            p.packBoolean(b);
        } else {
            p.packNil();
        }
    }

    @SuppressWarnings("unchecked")
    private static void write(JsonGenerator g, Object v) {
        if (v instanceof List<?> pairs) {
            g.writeStartObject();
            for (Object[] pair : (List<Object[]>) pairs) {
                g.writeName((String) pair[0]);
                write(g, pair[1]);
            }
            g.writeEndObject();
        } else if (v instanceof Object[] items) {
            g.writeStartArray();
            for (Object i : items) {
                write(g, i);
            }
            g.writeEndArray();
        } else if (v instanceof String s) {
            g.writeString(s);
        } else if (v instanceof Long l) {
            g.writeNumber(l);
        } else if (v instanceof Double d) {
            g.writeNumber(d);
        } else if (v instanceof Boolean b) {
            g.writeBoolean(b);
        } else {
            g.writeNull();
        }
    }
}
