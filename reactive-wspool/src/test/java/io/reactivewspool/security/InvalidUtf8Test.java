package io.reactivewspool.security;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import io.reactivewspool.WsProtocolException;
import io.reactivewspool.WsProtocolException.Problem;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Every ill-formed UTF-8 sequence in a text frame is malformed input (an {@code error} reply), not
 * only those Jackson's parser happens to notice: overlong forms ({@code C0 AF} is an overlong '/'),
 * surrogates, code points above U+10FFFF, truncated sequences. Found by {@link WireFuzzIT}.
 */
class InvalidUtf8Test {

    private static final WsCodec CODEC = WsCodec.json();

    private static byte[] pingWith(String hex) {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.writeBytes("{\"type\":\"ping\",\"id\":\"u\",\"data\":\"a".getBytes(StandardCharsets.US_ASCII));
        f.writeBytes(HexFormat.of().parseHex(hex));
        f.writeBytes("b\"}".getBytes(StandardCharsets.US_ASCII));
        return f.toByteArray();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "c0af",         // overlong '/'
        "c1bf",         // overlong, C1 lead
        "e080af",       // overlong '/' in three bytes
        "f08080af",     // overlong '/' in four bytes
        "eda080",       // high surrogate U+D800
        "edbfbf",       // low surrogate U+DFFF
        "f4908080",     // U+110000, above the Unicode range
        "f5808080",     // F5 lead byte
        "ff",           // never valid
        "80",           // continuation byte without a lead
        "e282",         // truncated three-byte sequence
        "c328",         // bad continuation byte (Jackson caught this one already)
    })
    void illFormedSequenceIsMalformedJson(String hex) {
        WsProtocolException e = catchThrowableOfType(WsProtocolException.class, () -> CODEC.decode(pingWith(hex)));
        assertThat(e).as("decoding %s must fail", hex).isNotNull();
        assertThat(e.problem()).isEqualTo(Problem.MALFORMED_JSON);
        assertThat(e.getMessage()).contains("UTF-8");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"c3a9", "e282ac", "ed9fbf", "ee8080", "f09f9880", "f48fbfbf", "efbbbf"})
    void wellFormedMultiByteSequencesDecode(String hex) {
        WsMessage m = CODEC.decode(pingWith(hex));
        String expected = "a" + new String(HexFormat.of().parseHex(hex), StandardCharsets.UTF_8) + "b";
        assertThat(m.data().asString()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "truncated at the end: {0}")
    @ValueSource(strings = {"c3", "e282", "f09f98"})
    void sequenceCutByTheEndOfTheFrameIsMalformed(String hex) {
        byte[] frame = HexFormat.of().parseHex(hex);
        WsProtocolException e = catchThrowableOfType(WsProtocolException.class, () -> CODEC.decode(frame));
        assertThat(e.problem()).isEqualTo(Problem.MALFORMED_JSON);
    }
}
