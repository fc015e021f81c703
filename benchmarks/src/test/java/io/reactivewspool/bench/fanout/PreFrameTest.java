package io.reactivewspool.bench.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The bare server's pre-framed buffer is a valid unmasked text frame for every header length. */
class PreFrameTest {

    @ParameterizedTest
    // The envelope is 51 bytes plus the padding: 74 and 75 straddle the 7-bit length, 65_484 and 65_485 the 16-bit one.
    @ValueSource(ints = {0, 74, 75, 1_000, 65_484, 65_485, 100_000})
    void preFramedEnvelopeDecodesAsOneTextFrame(int padding) {
        String data = "{\"pad\":\"" + "x".repeat(padding) + "\"}";
        String publish = "{\"type\":\"publish\",\"topic\":\"bench.t\",\"data\":" + data + "}";
        InboundRequest req = InboundRequest.parse(publish.getBytes(StandardCharsets.UTF_8));
        ByteBuf frame = BareFanoutServer.preFrame(UnpooledByteBufAllocator.DEFAULT, "bench.t", req);

        EmbeddedChannel client = new EmbeddedChannel(new WebSocket08FrameDecoder(false, false, 1 << 20));
        assertThat(client.writeInbound(frame)).isTrue();
        TextWebSocketFrame decoded = client.readInbound();
        try {
            assertThat(decoded.text()).isEqualTo("{\"type\":\"data\",\"topic\":\"bench.t\",\"data\":" + data + "}");
            assertThat((Object) client.readInbound()).isNull();
        } finally {
            decoded.release();
            client.finishAndReleaseAll();
        }
    }
}
