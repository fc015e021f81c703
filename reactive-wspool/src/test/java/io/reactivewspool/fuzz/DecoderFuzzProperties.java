package io.reactivewspool.fuzz;

import java.nio.charset.StandardCharsets;

import io.reactivewspool.WsProtocolException;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile input for the decoder: whatever arrives, it either yields a message or a
 * {@link WsProtocolException} that says what is wrong; never another exception, never a hang,
 * never a stack overflow.
 */
class DecoderFuzzProperties {

    private final WsCodec codec = WsCodec.json();

    @Property(tries = 2000)
    void randomBytesDecodeOrFailWithAReason(@ForAll @Size(max = 512) byte[] frame) {
        decodeOrExplain(frame);
    }

    @Property(tries = 2000)
    void jsonShapedNoiseDecodesOrFailsWithAReason(@ForAll("jsonNoise") String text) {
        decodeOrExplain(text.getBytes(StandardCharsets.UTF_8));
    }

    @Property(tries = 50)
    void deepNestingIsRefusedWithoutRecursingDeeply(@ForAll @IntRange(min = 65, max = 100_000) int depth,
                                                   @ForAll boolean arrays) {
        String open = arrays ? "[" : "{\"a\":";
        String close = arrays ? "]" : "}";
        String frame = "{\"type\":\"x\",\"data\":" + open.repeat(depth) + "1" + close.repeat(depth) + "}";
        assertThat(catchProtocol(frame.getBytes(StandardCharsets.UTF_8)).problem())
                .isEqualTo(WsProtocolException.Problem.LIMIT_EXCEEDED);
    }

    @Property(tries = 200)
    void invalidUtf8InsideStringsIsMalformed(@ForAll @Size(min = 1, max = 8) byte[] garbage) {
        byte[] prefix = "{\"type\":\"x\",\"data\":\"".getBytes(StandardCharsets.US_ASCII);
        byte[] frame = new byte[prefix.length + garbage.length + 2];
        System.arraycopy(prefix, 0, frame, 0, prefix.length);
        for (int i = 0; i < garbage.length; i++) {
            frame[prefix.length + i] = (byte) (garbage[i] | 0x80); // high bit set: never valid on its own
        }
        frame[frame.length - 2] = '"';
        frame[frame.length - 1] = '}';
        decodeOrExplain(frame);
    }

    @Provide
    Arbitrary<String> jsonNoise() {
        Arbitrary<String> token = Arbitraries.of("{", "}", "[", "]", ":", ",", "\"", "\"type\"", "\"topic\"", "\"id\"",
                "\"data\"", "\"subscribe\"", "null", "true", "1e999999", "-0", "9".repeat(200), "\\u0000", "\\ud800",
                "\"\\", " ", "\u00e9", "\uD83D\uDE00", "\"a b\"", "\"x\"");
        return token.list().ofMaxSize(40).map(l -> String.join("", l));
    }

    private void decodeOrExplain(byte[] frame) {
        try {
            WsMessage m = codec.decode(frame);
            assertThat(m.type()).isNotEmpty();
        } catch (WsProtocolException e) {
            assertThat(e.getMessage()).isNotBlank();
            assertThat(e.problem()).isNotNull();
        }
    }

    private WsProtocolException catchProtocol(byte[] frame) {
        try {
            codec.decode(frame);
        } catch (WsProtocolException e) {
            return e;
        }
        throw new AssertionError("expected a WsProtocolException");
    }
}
