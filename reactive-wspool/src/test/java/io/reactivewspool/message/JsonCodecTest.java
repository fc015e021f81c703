package io.reactivewspool.message;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Stream;

import io.reactivewspool.WsProtocolException;
import io.reactivewspool.WsProtocolException.Problem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class JsonCodecTest {

    private final WsCodec codec = WsCodec.json();

    /** Every bad-input row of the protocol: frame, expected problem, expected id, words the reason must contain. */
    static Stream<Arguments> badInput() {
        return Stream.of(
                arguments("malformed JSON", "{\"type\":\"ping\",", Problem.MALFORMED_JSON, null, "malformed JSON"),
                arguments("malformed JSON after the id", "{\"id\":\"7\",\"type\":\"subscribe\",\"topic\":", Problem.MALFORMED_JSON, "7", "malformed JSON"),
                arguments("not JSON at all", "hello", Problem.MALFORMED_JSON, null, "malformed JSON"),
                arguments("empty frame", "", Problem.MALFORMED_JSON, null, "empty"),
                arguments("trailing garbage", "{\"type\":\"ping\"} {}", Problem.MALFORMED_JSON, null, "trailing content"),
                arguments("array instead of object", "[1,2]", Problem.NOT_AN_OBJECT, null, "must be a JSON object"),
                arguments("string instead of object", "\"ping\"", Problem.NOT_AN_OBJECT, null, "got a string"),
                arguments("missing type", "{\"id\":\"1\",\"topic\":\"a\"}", Problem.MISSING_TYPE, "1", "\"type\""),
                arguments("empty type", "{\"type\":\"\",\"id\":\"2\"}", Problem.MISSING_TYPE, "2", "non-empty"),
                arguments("numeric type", "{\"type\":42,\"id\":\"3\"}", Problem.INVALID_TYPE, "3", "must be a string, got a number"),
                arguments("object type", "{\"type\":{},\"id\":\"4\"}", Problem.INVALID_TYPE, "4", "got an object"),
                arguments("empty topic", "{\"type\":\"subscribe\",\"topic\":\"\",\"id\":\"5\"}", Problem.INVALID_TOPIC, "5", "topic must not be empty"),
                arguments("topic too long", "{\"type\":\"subscribe\",\"topic\":\"" + "t".repeat(257) + "\",\"id\":\"6\"}", Problem.INVALID_TOPIC, "6", "at most 256"),
                arguments("topic with bad characters", "{\"type\":\"subscribe\",\"topic\":\"a b\",\"id\":\"7\"}", Problem.INVALID_TOPIC, "7", "may contain only"),
                arguments("numeric topic", "{\"type\":\"subscribe\",\"topic\":5,\"id\":\"8\"}", Problem.INVALID_TOPIC, "8", "\"topic\" must be a string"),
                arguments("numeric id", "{\"type\":\"ping\",\"id\":9}", Problem.INVALID_FIELD, "9", "\"id\" must be a string"),
                arguments("duplicate field", "{\"type\":\"ping\",\"type\":\"pong\"}", Problem.MALFORMED_JSON, null, "Duplicate Object property \"type\""),
                arguments("duplicate id", "{\"id\":\"d1\",\"type\":\"x\",\"id\":\"d2\"}", Problem.MALFORMED_JSON, "d1", "Duplicate Object property \"id\""),
                arguments("duplicate unknown field", "{\"type\":\"x\",\"id\":\"d3\",\"extra\":1,\"extra\":2}", Problem.MALFORMED_JSON, "d3", "Duplicate Object property \"extra\""),
                arguments("duplicate name in data", "{\"type\":\"x\",\"id\":\"d4\",\"data\":{\"a\":1,\"a\":2}}", Problem.MALFORMED_JSON, "d4", "Duplicate Object property \"a\""),
                arguments("duplicate name deep in data", "{\"type\":\"x\",\"id\":\"d5\",\"data\":[{\"b\":{\"c\":1,\"c\":{}}}]}", Problem.MALFORMED_JSON, "d5", "Duplicate Object property \"c\""),
                arguments("duplicate name in an unknown field", "{\"type\":\"x\",\"id\":\"d6\",\"extra\":{\"k\":[],\"k\":[]}}", Problem.MALFORMED_JSON, "d6", "Duplicate Object property \"k\""),
                arguments("duplicate name in an object type", "{\"id\":\"d7\",\"type\":{\"k\":1,\"k\":1}}", Problem.MALFORMED_JSON, "d7", "Duplicate Object property \"k\""),
                arguments("duplicate name in an array frame", "[{\"k\":1,\"k\":2}]", Problem.MALFORMED_JSON, null, "Duplicate Object property \"k\""),
                arguments("bad timestamp", "{\"type\":\"x\",\"timestamp\":\"yesterday\"}", Problem.INVALID_FIELD, null, "ISO-8601"),
                arguments("too deep", "{\"type\":\"x\",\"data\":" + "[".repeat(100) + "]".repeat(100) + "}", Problem.LIMIT_EXCEEDED, null, "nesting depth"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badInput")
    void badInputIsRejectedWithAReasonAndTheId(String name, String frame, Problem problem, String id, String words) {
        WsProtocolException e = catchThrowableOfType(WsProtocolException.class, () -> codec.decode(frame));
        assertThat(e).as("decode(%s) must fail", frame).isNotNull();
        assertThat(e.problem()).isEqualTo(problem);
        assertThat(e.messageId()).isEqualTo(id);
        assertThat(e.getMessage()).contains(words);
    }

    @Test
    void invalidUtf8IsMalformed() {
        byte[] frame = {'{', '"', 't', 'y', 'p', 'e', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
        WsProtocolException e = catchThrowableOfType(WsProtocolException.class, () -> codec.decode(frame));
        assertThat(e.problem()).isEqualTo(Problem.MALFORMED_JSON);
    }

    @Test
    void stringOverTheLimitIsRejected() {
        WsCodec small = WsCodec.json(JsonCodecOptions.builder().maxStringLength(10).build());
        WsProtocolException e = catchThrowableOfType(WsProtocolException.class,
                () -> small.decode("{\"type\":\"x\",\"data\":\"" + "y".repeat(100) + "\"}"));
        assertThat(e.problem()).isEqualTo(Problem.LIMIT_EXCEEDED);
        assertThat(e.getMessage()).contains("String value length");
    }

    @Test
    void hugeNumberIsRejected() {
        WsProtocolException e = catchThrowableOfType(WsProtocolException.class,
                () -> codec.decode("{\"type\":\"x\",\"data\":" + "9".repeat(5000) + "}"));
        assertThat(e.problem()).isEqualTo(Problem.LIMIT_EXCEEDED);
    }

    @Test
    void unknownFieldsAreIgnoredAndNullsAreAbsent() {
        WsMessage m = codec.decode("{\"type\":\"subscribe\",\"topic\":\"prices\",\"extra\":{\"a\":[1]},\"id\":null,\"offset\":null}");
        assertThat(m).isEqualTo(WsMessage.subscribe("prices"));
    }

    @Test
    void encodesOnlyPresentFieldsWithProtocolNames() {
        WsMessage m = WsMessage.builder("chat").topic("room").data(Map.of("text", "hi")).id("c1")
                .timestamp(Instant.parse("2026-01-01T12:00:00Z")).offset("17").build();
        String json = new String(codec.encode(m), StandardCharsets.UTF_8);
        assertThat(json).isEqualTo("{\"type\":\"chat\",\"topic\":\"room\",\"data\":{\"text\":\"hi\"},\"id\":\"c1\","
                + "\"timestamp\":\"2026-01-01T12:00:00Z\",\"offset\":\"17\"}");
        assertThat(new String(codec.encode(WsMessage.error("bad", null)), StandardCharsets.UTF_8))
                .isEqualTo("{\"type\":\"error\",\"error\":\"bad\"}");
    }

    @Test
    void welcomeCarriesConnectionUserAndHeartbeat() {
        String json = new String(codec.encode(WsMessage.welcome("c-1", null, 30000)), StandardCharsets.UTF_8);
        assertThat(json).isEqualTo("{\"type\":\"welcome\",\"data\":{\"connection_id\":\"c-1\",\"user_id\":null,\"heartbeat_interval_ms\":30000}}");
    }

    @Test
    void decodesFromAnArraySlice() {
        byte[] whole = "xx{\"type\":\"ping\",\"id\":\"p\"}yy".getBytes(StandardCharsets.UTF_8);
        assertThat(codec.decode(whole, 2, whole.length - 4)).isEqualTo(WsMessage.ping().withId("p"));
    }

    /** A slice is judged on its own bytes, exactly as a copy of them would be, with offsets counted from its start. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("slices")
    void aSliceDecodesAsItsCopy(String name, byte[] whole, int offset, int length, String words) {
        byte[] copy = Arrays.copyOfRange(whole, offset, offset + length);
        Object fromSlice = decodeOrProblem(whole, offset, length);
        assertThat(fromSlice).isEqualTo(decodeOrProblem(copy, 0, copy.length));
        assertThat(String.valueOf(fromSlice)).contains(words);
    }

    static Stream<Arguments> slices() {
        byte[] ping = "{\"type\":\"ping\",\"id\":\"\u00e9\"}".getBytes(StandardCharsets.UTF_8);
        int e9 = ping.length - 4; // the first byte of the two-byte \u00e9
        byte[] badAround = new byte[ping.length + 3];
        badAround[0] = (byte) 0xC3;                        // a lead byte whose continuation is the slice's '{'
        System.arraycopy(ping, 0, badAround, 1, ping.length);
        badAround[ping.length + 1] = (byte) 0xFF;          // never valid UTF-8
        badAround[ping.length + 2] = '}';                  // would be trailing content
        byte[] contAtStart = new byte[ping.length + 1];
        contAtStart[0] = (byte) 0xA9;                      // a continuation byte as the slice's first byte
        System.arraycopy(ping, 0, contAtStart, 1, ping.length);
        return Stream.of(
                arguments("invalid UTF-8 and garbage just outside", badAround, 1, ping.length, "id=\u00e9"),
                arguments("a character cut by the slice's end", ping, 0, e9 + 1, "invalid UTF-8 at byte " + e9),
                arguments("a character cut by the slice's start", ping, e9 + 1, ping.length - e9 - 1, "invalid UTF-8 at byte 0"),
                arguments("a continuation byte first", contAtStart, 0, contAtStart.length, "invalid UTF-8 at byte 0"),
                arguments("the closing brace cut off", ping, 0, ping.length - 1, "MALFORMED_JSON"),
                arguments("the opening brace cut off", ping, 1, ping.length - 1, "MALFORMED_JSON"),
                arguments("an empty slice inside a message", ping, 5, 0, "the frame is empty"));
    }

    private Object decodeOrProblem(byte[] bytes, int offset, int length) {
        try {
            return codec.decode(bytes, offset, length);
        } catch (WsProtocolException e) {
            return e.problem() + " id=" + e.messageId() + ": " + e.getMessage();
        }
    }
}
