package io.reactivewspool.message;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
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
                arguments("duplicate field", "{\"type\":\"ping\",\"type\":\"pong\"}", Problem.MALFORMED_JSON, null, "Duplicate"),
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
}
