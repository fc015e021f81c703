package io.reactivewspool.internal.codec;

import io.reactivewspool.message.JsonCodecOptions;
import io.reactivewspool.message.WsCodec;
import tools.jackson.core.util.JsonRecyclerPools;
import tools.jackson.dataformat.cbor.CBORFactory;
import tools.jackson.dataformat.cbor.CBORMapper;

/**
 * The envelope in CBOR (RFC 8949), on Jackson 3's CBOR format: a map with the same field names as
 * the JSON envelope, {@code timestamp} as the same ISO-8601 text, {@code data} any CBOR value
 * (byte strings included). Binary frames; the same limits as the JSON codec.
 */
public final class JacksonCborCodec extends JacksonEnvelopeCodec {

    public static final JacksonCborCodec DEFAULT = new JacksonCborCodec(JsonCodecOptions.defaults());

    public JacksonCborCodec(JsonCodecOptions options) {
        super(CBORMapper.builder(CBORFactory.builder()
                .streamReadConstraints(limits(options))
                .recyclerPool(JsonRecyclerPools.threadLocalPool())
                .build()).build(), "CBOR", "CBOR map", "binary frame");
    }

    @Override
    public String subprotocol() {
        return WsCodec.CBOR_SUBPROTOCOL;
    }

    @Override
    public boolean binary() {
        return true;
    }
}
