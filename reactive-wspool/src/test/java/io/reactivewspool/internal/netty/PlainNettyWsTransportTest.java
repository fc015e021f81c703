package io.reactivewspool.internal.netty;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.reactivewspool.message.WsCloseStatus;
import io.reactivewspool.server.HandshakeInfo;
import io.reactivewspool.server.InboundFrame;
import io.reactivewspool.server.WsFrameTooLargeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.test.subscriber.TestSubscriber;

import static org.assertj.core.api.Assertions.assertThat;

/** The plain engine's transport on an {@link EmbeddedChannel}: demand, reassembly, limits, closes, and every frame released once. */
class PlainNettyWsTransportTest {

    private static final int MAX = 128;

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final PlainNettyWsTransport transport = new PlainNettyWsTransport(channel,
            new HandshakeInfo("/ws", Map.of(), Map.of(), null, null), MAX);

    PlainNettyWsTransportTest() {
        channel.pipeline().addLast(PlainNettyWsTransport.NAME, transport);
    }

    @AfterEach
    void releaseWhatWasWritten() {
        channel.finishAndReleaseAll();
    }

    private static TextWebSocketFrame text(boolean fin, String s) {
        return new TextWebSocketFrame(fin, 0, Unpooled.copiedBuffer(s, StandardCharsets.UTF_8));
    }

    /** Writes the frame in and checks it was released exactly once (a second release would throw). */
    private void read(WebSocketFrame f) {
        channel.writeInbound(f);
        assertThat(f.refCnt()).as("%s released", f).isZero();
    }

    private static String text(InboundFrame f) {
        return new String(f.payload(), StandardCharsets.UTF_8);
    }

    private CloseWebSocketFrame writtenClose() {
        Object out = channel.readOutbound();
        assertThat(out).isInstanceOf(CloseWebSocketFrame.class);
        return (CloseWebSocketFrame) out;
    }

    @Test
    void framesWithoutDemandAreHeldAndReadingStopsUntilRequested() {
        TestSubscriber<InboundFrame> in = TestSubscriber.builder().initialRequest(0).build();
        transport.receive().subscribe(in);
        read(text(true, "a"));
        read(text(true, "b"));
        assertThat(in.getReceivedOnNext()).isEmpty();
        assertThat(channel.config().isAutoRead()).isFalse();
        in.request(1);
        assertThat(in.getReceivedOnNext()).extracting(PlainNettyWsTransportTest::text).containsExactly("a");
        assertThat(channel.config().isAutoRead()).isFalse();
        in.request(5);
        assertThat(in.getReceivedOnNext()).extracting(PlainNettyWsTransportTest::text).containsExactly("a", "b");
        assertThat(channel.config().isAutoRead()).isTrue();
        read(text(true, "c"));
        assertThat(in.getReceivedOnNext()).hasSize(3);
    }

    @Test
    void framesBeforeTheSubscriberAreHeldForIt() {
        read(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {1, 2})));
        assertThat(channel.config().isAutoRead()).isFalse();
        TestSubscriber<InboundFrame> in = TestSubscriber.create();
        transport.receive().subscribe(in);
        assertThat(in.getReceivedOnNext()).singleElement()
                .satisfies(f -> assertThat(f.kind()).isEqualTo(InboundFrame.Kind.BINARY))
                .satisfies(f -> assertThat(f.payload()).containsExactly(1, 2));
        assertThat(channel.config().isAutoRead()).isTrue();
    }

    @Test
    void fragmentsAreReassembledAroundInterleavedControlFrames() {
        TestSubscriber<InboundFrame> in = TestSubscriber.create();
        transport.receive().subscribe(in);
        read(text(false, "{\"type\":"));
        read(new PingWebSocketFrame(Unpooled.copiedBuffer("p", StandardCharsets.UTF_8)));
        read(new ContinuationWebSocketFrame(false, 0, Unpooled.copiedBuffer("\"ping\"", StandardCharsets.UTF_8)));
        read(new ContinuationWebSocketFrame(true, 0, Unpooled.copiedBuffer("}", StandardCharsets.UTF_8)));
        assertThat(in.getReceivedOnNext()).extracting(InboundFrame::kind)
                .containsExactly(InboundFrame.Kind.PING, InboundFrame.Kind.TEXT);
        assertThat(text(in.getReceivedOnNext().get(1))).isEqualTo("{\"type\":\"ping\"}");
    }

    @Test
    void aMessageOverTheLimitSignalsFrameTooLargeAndLaterFramesAreDropped() {
        TestSubscriber<InboundFrame> in = TestSubscriber.create();
        transport.receive().subscribe(in);
        read(text(false, "x".repeat(MAX - 10)));
        read(new ContinuationWebSocketFrame(true, 0, Unpooled.copiedBuffer("y".repeat(11), StandardCharsets.UTF_8)));
        assertThat(in.expectTerminalError()).isInstanceOf(WsFrameTooLargeException.class)
                .hasMessage("message larger than " + MAX + " bytes");
        read(text(true, "after"));
        assertThat(in.getReceivedOnNext()).isEmpty();
    }

    /** Netty's decoder bounds frames on the wire; one permessage-deflate inflated is bounded here. */
    @Test
    void anUnfragmentedFrameOverTheLimitSignalsFrameTooLarge() {
        TestSubscriber<InboundFrame> in = TestSubscriber.create();
        transport.receive().subscribe(in);
        read(text(true, "z".repeat(MAX + 1)));
        assertThat(in.expectTerminalError()).isInstanceOf(WsFrameTooLargeException.class);
    }

    @Test
    void reservedBitsWithoutAnExtensionClose1002() {
        TestSubscriber<InboundFrame> in = TestSubscriber.create();
        transport.receive().subscribe(in);
        read(new TextWebSocketFrame(true, 4, Unpooled.copiedBuffer("{}", StandardCharsets.UTF_8)));
        CloseWebSocketFrame close = writtenClose();
        assertThat(close.statusCode()).isEqualTo(1002);
        close.release();
        assertThat(channel.isOpen()).isFalse();
        assertThat(in.isTerminatedComplete()).isTrue();
    }

    @Test
    void aPeersCloseIsAnsweredWithItsCodeThenTheChannelCloses() {
        TestSubscriber<InboundFrame> in = TestSubscriber.create();
        transport.receive().subscribe(in);
        read(new CloseWebSocketFrame(4321, "bye"));
        CloseWebSocketFrame answer = writtenClose();
        assertThat(answer.statusCode()).isEqualTo(4321);
        answer.release();
        assertThat(channel.isOpen()).isFalse();
        assertThat(in.isTerminatedComplete()).isTrue();
    }

    @Test
    void closeSendsItsFrameOnceEndsReceiveAndTheChannelGoesWithThePeersAnswer() {
        TestSubscriber<InboundFrame> in = TestSubscriber.create();
        transport.receive().subscribe(in);
        transport.close(WsCloseStatus.NORMAL.withReason("done")).block(Duration.ofSeconds(1));
        transport.close(WsCloseStatus.GOING_AWAY).block(Duration.ofSeconds(1));
        CloseWebSocketFrame sent = writtenClose();
        assertThat(sent.statusCode()).isEqualTo(1000);
        assertThat(sent.reasonText()).isEqualTo("done");
        sent.release();
        assertThat((Object) channel.readOutbound()).as("only the first close has an effect").isNull();
        assertThat(in.isTerminatedComplete()).isTrue();
        assertThat(channel.isOpen()).isTrue();
        read(text(true, "late"));
        read(new CloseWebSocketFrame(1000, ""));
        assertThat(channel.isOpen()).isFalse();
        assertThat(in.getReceivedOnNext()).isEmpty();
    }

    @Test
    void theChannelGoingCompletesReceive() {
        TestSubscriber<InboundFrame> in = TestSubscriber.create();
        transport.receive().subscribe(in);
        channel.close();
        assertThat(in.isTerminatedComplete()).isTrue();
    }

    @Test
    void receiveHasOneSubscriber() {
        TestSubscriber<InboundFrame> first = TestSubscriber.create();
        TestSubscriber<InboundFrame> second = TestSubscriber.create();
        transport.receive().subscribe(first);
        transport.receive().subscribe(second);
        assertThat(second.expectTerminalError()).isInstanceOf(IllegalStateException.class);
        assertThat(first.isTerminatedOrCancelled()).isFalse();
    }
}
