package io.reactivewspool.bench.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServerFrameDecoderTest {

    private final List<String> texts = new ArrayList<>();
    private int unexpected;
    private final ServerFrameDecoder.Sink sink = new ServerFrameDecoder.Sink() {
        @Override
        public void onText(ByteBuf buf, int start, int end) {
            texts.add(buf.toString(start, end - start, StandardCharsets.UTF_8));
        }

        @Override
        public void onUnexpectedFrame() {
            unexpected++;
        }
    };

    @Test
    void textFramesOfEveryLengthArriveWholeEvenByteByByte() {
        EmbeddedChannel ch = new EmbeddedChannel(new ServerFrameDecoder(sink, 1 << 20));
        List<String> sent = List.of("a", "x".repeat(125), "y".repeat(126), "z".repeat(70_000));
        ByteBuf wire = Unpooled.buffer();
        for (String s : sent) {
            wire.writeBytes(serverBytes(new TextWebSocketFrame(s)));
        }
        while (wire.isReadable()) {
            ch.writeInbound(wire.readRetainedSlice(1));
        }
        wire.release();
        assertThat(texts).containsExactlyElementsOf(sent);
        assertThat(unexpected).isZero();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void pingIsAnsweredWithItsPayloadAndCloseCloses() {
        EmbeddedChannel ch = new EmbeddedChannel(new ServerFrameDecoder(sink, 1 << 20));
        ch.writeInbound(serverBytes(new PingWebSocketFrame(Unpooled.copiedBuffer("hb", StandardCharsets.US_ASCII))));
        PongWebSocketFrame pong = ch.readOutbound();
        assertThat(pong.content().toString(StandardCharsets.US_ASCII)).isEqualTo("hb");
        pong.release();
        ch.writeInbound(serverBytes(new CloseWebSocketFrame(1000, "bye")));
        assertThat(ch.isOpen()).isFalse();
        assertThat(unexpected).isZero();
        ch.finishAndReleaseAll();
    }

    @Test
    void maskedFrameClosesTheConnection() {
        EmbeddedChannel ch = new EmbeddedChannel(new ServerFrameDecoder(sink, 1 << 20));
        EmbeddedChannel maskingClient = new EmbeddedChannel(new WebSocket08FrameEncoder(true));
        maskingClient.writeOutbound(new TextWebSocketFrame("masked"));
        ByteBuf masked = maskingClient.readOutbound();
        ch.writeInbound(masked);
        assertThat(texts).isEmpty();
        assertThat(unexpected).isEqualTo(1);
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
        maskingClient.finishAndReleaseAll();
    }

    private static ByteBuf serverBytes(WebSocketFrame frame) {
        EmbeddedChannel server = new EmbeddedChannel(new WebSocket08FrameEncoder(false));
        server.writeOutbound(frame);
        ByteBuf out = Unpooled.buffer();
        for (Object o; (o = server.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            out.writeBytes(b);
            b.release();
        }
        server.finishAndReleaseAll();
        return out;
    }
}
