package io.reactivewspool.internal.codec;

import io.reactivewspool.WsProtocolException;
import io.reactivewspool.WsProtocolException.Problem;
import io.reactivewspool.message.JsonCodecOptions;
import io.reactivewspool.message.WsCodec;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.util.JsonRecyclerPools;
import tools.jackson.databind.json.JsonMapper;

/** The protocol's JSON codec: UTF-8 text frames, checked strictly before Jackson parses them. */
public final class JacksonJsonCodec extends JacksonEnvelopeCodec {

    public static final JacksonJsonCodec DEFAULT = new JacksonJsonCodec(JsonCodecOptions.defaults());

    public JacksonJsonCodec(JsonCodecOptions options) {
        super(JsonMapper.builder(JsonFactory.builder()
                .streamReadConstraints(limits(options))
                .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
                // Jackson 3's default pool is one lock-free deque shared by every thread, contended
                // when several event loops decode at once; a recycler per thread is never shared.
                .recyclerPool(JsonRecyclerPools.threadLocalPool())
                .build()).build(), "JSON", "JSON object", "text frame");
    }

    @Override
    void checkInput(byte[] utf8, int offset, int length) {
        int invalidUtf8 = StrictUtf8.firstInvalid(utf8, offset, length);
        if (invalidUtf8 >= 0) {
            throw new WsProtocolException(Problem.MALFORMED_JSON, "malformed JSON: invalid UTF-8 at byte "
                    + (invalidUtf8 - offset) + "; " + framing(), null);
        }
    }

    @Override
    String framing() {
        return "send one JSON object (UTF-8) per text frame";
    }

    @Override
    public String subprotocol() {
        return WsCodec.JSON_SUBPROTOCOL;
    }
}
