package io.reactivewspool.message;

import java.math.BigInteger;
import java.time.Instant;
import java.time.format.DateTimeParseException;

import io.reactivewspool.WsProtocolException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Encoding then decoding gives back the same message, for arbitrary envelopes and data trees; timestamps read as Instant.parse reads them. */
class JsonCodecProperties {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private final WsCodec codec = WsCodec.json();

    @Property
    void roundTripPreservesEveryField(@ForAll("messages") WsMessage message) {
        WsMessage back = codec.decode(codec.encode(message));
        assertThat(back).isEqualTo(message);
    }

    @Property
    void encodingIsDeterministic(@ForAll("messages") WsMessage message) {
        assertThat(codec.encode(message)).isEqualTo(codec.encode(message));
    }

    /** The codec's timestamp answer is Instant.parse's, for well-formed, out-of-range and mangled text alike. */
    @Property(tries = 3000)
    void timestampIsReadAsInstantParseReadsIt(@ForAll("timestampTexts") String text) {
        Instant expected;
        try {
            expected = Instant.parse(text);
        } catch (DateTimeParseException e) {
            expected = null;
        }
        String frame = "{\"type\":\"x\",\"timestamp\":\"" + text + "\"}";
        if (expected == null) {
            assertThatThrownBy(() -> codec.decode(frame)).as(text).isInstanceOf(WsProtocolException.class)
                    .hasMessageContaining("ISO-8601");
        } else {
            assertThat(codec.decode(frame).timestamp()).as(text).isEqualTo(expected);
        }
    }

    @Provide
    Arbitrary<String> timestampTexts() {
        Arbitrary<String> year = Arbitraries.integers().between(0, 9999).map(y -> String.format("%04d", y));
        Arbitrary<String> twoDigits = Arbitraries.integers().between(0, 99).map(v -> String.format("%02d", v));
        Arbitrary<String> fraction = Arbitraries.strings().numeric().ofMinLength(0).ofMaxLength(11)
                .map(f -> f.isEmpty() ? "" : "." + f).injectNull(0.1).map(f -> f == null ? "." : f);
        Arbitrary<String> zone = Arbitraries.of("Z", "Z", "Z", "z", "+01:00", "");
        Arbitrary<String> shaped = Combinators.combine(year, twoDigits, twoDigits, twoDigits, twoDigits, twoDigits, fraction, zone)
                .as((y, mo, d, h, mi, sec, f, z) -> y + "-" + mo + "-" + d + "T" + h + ":" + mi + ":" + sec + f + z);
        // One character replaced: a letter, a sign or a separator where a digit belongs, and so on.
        Arbitrary<String> mangled = Combinators.combine(shaped, Arbitraries.integers().between(0, 29),
                        Arbitraries.of('-', ':', 'T', 'Z', '.', '+', ' ', 'a', '0', '9', '/'))
                .as((t, i, c) -> i < t.length() ? t.substring(0, i) + c + t.substring(i + 1) : t);
        Arbitrary<String> realistic = Arbitraries.longs().between(0, 253_402_300_799_999L).map(ms -> Instant.ofEpochMilli(ms).toString());
        return Arbitraries.frequencyOf(
                Tuple.of(3, shaped), Tuple.of(3, mangled), Tuple.of(2, realistic));
    }

    @Provide
    Arbitrary<WsMessage> messages() {
        Arbitrary<String> type = Arbitraries.strings().ofMinLength(1).ofMaxLength(20);
        Arbitrary<String> topic = Arbitraries.strings().withChars("abcXYZ019_.:/-").ofMinLength(1).ofMaxLength(256).injectNull(0.3);
        Arbitrary<String> text = Arbitraries.strings().ofMaxLength(30).injectNull(0.4);
        Arbitrary<Instant> ts = Arbitraries.longs().between(0, 4_102_444_800_000L).map(Instant::ofEpochMilli).injectNull(0.5);
        Arbitrary<JsonNode> data = json(3).injectNull(0.2);
        return Combinators.combine(type, topic, data, text, ts, text, text)
                .as((ty, to, d, id, t, off, err) -> WsMessage.builder(ty).topic(to).data(d).id(id)
                        .timestamp(t).offset(off).error(err).build());
    }

    private Arbitrary<JsonNode> json(int depth) {
        Arbitrary<JsonNode> scalar = Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(40).map(NODES::textNode),
                Arbitraries.integers().map(i -> (JsonNode) NODES.numberNode(i)),
                Arbitraries.bigIntegers().between(BigInteger.valueOf(Long.MIN_VALUE), BigInteger.valueOf(Long.MAX_VALUE))
                        .filter(b -> b.bitLength() > 31).map(b -> (JsonNode) NODES.numberNode(b.longValue())),
                Arbitraries.doubles().between(-1e12, 1e12).map(d -> (JsonNode) NODES.numberNode(d)),
                Arbitraries.of(true, false).map(b -> (JsonNode) NODES.booleanNode(b)),
                Arbitraries.just(NODES.nullNode()));
        if (depth == 0) {
            return scalar;
        }
        Arbitrary<JsonNode> array = json(depth - 1).list().ofMaxSize(4).map(items -> {
            ArrayNode a = NODES.arrayNode();
            items.forEach(a::add);
            return a;
        });
        Arbitrary<JsonNode> object = Arbitraries.maps(Arbitraries.strings().ofMaxLength(10), json(depth - 1)).ofMaxSize(4).map(fields -> {
            ObjectNode o = NODES.objectNode();
            fields.forEach(o::set);
            return o;
        });
        return Arbitraries.frequencyOf(
                Tuple.of(3, scalar),
                Tuple.of(1, array),
                Tuple.of(1, object));
    }
}
