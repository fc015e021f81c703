package io.reactivewspool.internal.netty;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalServerChannel;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import io.reactivewspool.server.OutboundFrame;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import static org.assertj.core.api.Assertions.assertThat;

class FrameWriterTest {

    private static OutboundFrame text(int i) {
        return OutboundFrame.text(("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8));
    }

    /** Decodes server frames with Netty's own decoder: the pre-framed bytes must be what it expects. */
    private static List<WebSocketFrame> decode(List<ByteBuf> wire) {
        EmbeddedChannel decoder = new EmbeddedChannel(new WebSocket13FrameDecoder(WebSocketDecoderConfig.newBuilder()
                .expectMaskedFrames(false).maxFramePayloadLength(1 << 20).build()));
        wire.forEach(decoder::writeInbound);
        List<WebSocketFrame> frames = new ArrayList<>();
        WebSocketFrame f;
        while ((f = decoder.readInbound()) != null) {
            frames.add(f);
        }
        decoder.finishAndReleaseAll();
        return frames;
    }

    private static void install(Channel ch, FrameWriter writer) {
        ch.pipeline().addLast(writer);
    }

    private static List<ByteBuf> drainOutbound(EmbeddedChannel ch) {
        List<ByteBuf> out = new ArrayList<>();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            out.add(b);
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 125, 126, 65_535, 65_536, 200_000})
    void aPreFramedFrameIsWhatNettysDecoderReadsForEveryLengthEncoding(int size) {
        byte[] payload = new byte[size];
        for (int i = 0; i < size; i++) {
            payload[i] = (byte) ('a' + i % 26);
        }
        ByteBuf wire = LoopBatch.preFrame(OutboundFrame.text(payload), ByteBufAllocator.DEFAULT);
        List<WebSocketFrame> frames = decode(List.of(wire));
        assertThat(frames).hasSize(1);
        assertThat(frames.get(0)).isInstanceOf(TextWebSocketFrame.class);
        assertThat(frames.get(0).isFinalFragment()).isTrue();
        assertThat(ByteBufUtil.getBytes(frames.get(0).content())).isEqualTo(payload);
        frames.forEach(WebSocketFrame::release);
    }

    @Test
    void controlFramesArePreFramedWithTheirOpcode() {
        ByteBuf wire = LoopBatch.preFrame(OutboundFrame.ping(), ByteBufAllocator.DEFAULT);
        List<WebSocketFrame> frames = decode(List.of(wire));
        assertThat(frames).singleElement().isInstanceOf(PingWebSocketFrame.class);
        frames.forEach(WebSocketFrame::release);
    }

    @Test
    void framesLeaveInOrderAndAnUnwritableChannelGetsNoMoreThanTheBatchAlreadyRequested() {
        EmbeddedChannel ch = new EmbeddedChannel(new WebSocket13FrameEncoder(false));
        ChannelHandlerContext encoder = ch.pipeline().context(WebSocketFrameEncoder.class);
        AtomicLong requested = new AtomicLong();
        AtomicLong requestsWhileUnwritable = new AtomicLong();
        int total = 1_000;
        int stopAt = 100;
        FrameWriter.send(ch, encoder, Flux.range(0, total)
                    .doOnRequest(n -> {
                        requested.addAndGet(n);
                        if (!ch.isWritable()) {
                            requestsWhileUnwritable.incrementAndGet();
                        }
                    })
                    .doOnNext(i -> {
                        if (i == stopAt) {
                            // The client stops reading: Netty's buffer is above its high water mark.
                            ch.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
                        }
                    })
                    .map(FrameWriterTest::text), FrameWriterTest::install)
                .subscribe();
        ch.runPendingTasks();

        assertThat(requestsWhileUnwritable.get()).isZero();
        assertThat(requested.get()).isGreaterThan(stopAt).isLessThanOrEqualTo(stopAt + FrameWriter.BATCH);
        List<WebSocketFrame> frames = decode(drainOutbound(ch));
        assertThat(frames).hasSize((int) requested.get());

        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
        ch.runPendingTasks();
        frames.addAll(decode(drainOutbound(ch)));
        assertThat(frames).hasSize(total);
        for (int i = 0; i < total; i++) {
            assertThat(frames.get(i).content().toString(StandardCharsets.UTF_8)).isEqualTo("{\"n\":" + i + "}");
        }
        frames.forEach(WebSocketFrame::release);
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void withAnExtensionEveryFrameGoesThroughTheEncoderAndTheBytesAreTheSame() {
        EmbeddedChannel pre = new EmbeddedChannel(new WebSocket13FrameEncoder(false));
        EmbeddedChannel viaEncoder = new EmbeddedChannel(new WebSocket13FrameEncoder(false));
        for (EmbeddedChannel ch : List.of(pre, viaEncoder)) {
            ChannelHandlerContext encoder = ch == pre ? ch.pipeline().context(WebSocketFrameEncoder.class) : null;
            FrameWriter.send(ch, encoder, Flux.range(0, 10).map(FrameWriterTest::text), FrameWriterTest::install).subscribe();
            ch.runPendingTasks();
        }
        List<ByteBuf> a = drainOutbound(pre);
        List<ByteBuf> b = drainOutbound(viaEncoder);
        assertThat(ByteBufUtil.getBytes(Unpooled.wrappedBuffer(a.toArray(new ByteBuf[0]))))
                .isEqualTo(ByteBufUtil.getBytes(Unpooled.wrappedBuffer(b.toArray(new ByteBuf[0]))));
        a.forEach(ByteBuf::release);
        b.forEach(ByteBuf::release);
        pre.finishAndReleaseAll();
        viaEncoder.finishAndReleaseAll();
    }

    @Test
    void aPublisherThatIgnoresTheDemandFailsTheSendWithAnOverflowNamingTheDemand() {
        EmbeddedChannel ch = new EmbeddedChannel(new WebSocket13FrameEncoder(false));
        ChannelHandlerContext encoder = ch.pipeline().context(WebSocketFrameEncoder.class);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        // Not a Reactor operator: pushes 100 frames whatever was requested.
        Publisher<OutboundFrame> rogue = s -> {
            s.onSubscribe(new Subscription() {
                @Override
                public void request(long n) {
                }

                @Override
                public void cancel() {
                }
            });
            // The client stops reading at once: the writer asks for nothing beyond its first batch.
            ch.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
            for (int i = 0; i < 100; i++) {
                s.onNext(text(i));
            }
        };
        FrameWriter.send(ch, encoder, rogue, FrameWriterTest::install).subscribe(null, failure::set);
        ch.runPendingTasks();
        assertThat(failure.get()).isNotNull()
                .hasMessageContaining("outbound frames beyond the " + FrameWriter.BATCH + " requested");
        // the frames within the demand went out, in order
        List<WebSocketFrame> frames = decode(drainOutbound(ch));
        assertThat(frames).hasSize(FrameWriter.BATCH);
        assertThat(frames.get(FrameWriter.BATCH - 1).content().toString(StandardCharsets.UTF_8))
                .isEqualTo("{\"n\":" + (FrameWriter.BATCH - 1) + "}");
        frames.forEach(WebSocketFrame::release);
        ch.finishAndReleaseAll();
    }

    @Test
    void aClosedChannelCancelsTheUpstreamAndCompletesTheSend() {
        EmbeddedChannel ch = new EmbeddedChannel(new WebSocket13FrameEncoder(false));
        ChannelHandlerContext encoder = ch.pipeline().context(WebSocketFrameEncoder.class);
        AtomicLong cancelled = new AtomicLong();
        AtomicLong completed = new AtomicLong();
        FrameWriter.send(ch, encoder, Flux.<OutboundFrame>never().doOnCancel(cancelled::incrementAndGet), FrameWriterTest::install)
                .subscribe(null, null, completed::incrementAndGet);
        ch.close();
        ch.runPendingTasks();
        assertThat(cancelled.get()).isEqualTo(1);
        assertThat(completed.get()).isEqualTo(1);
    }

    /**
     * Frames from a thread other than the channel's event loop (the heartbeat, the broker) go
     * through the writer's hand-off; they must leave in the order they were sent, and none may
     * stay behind. A real event loop: an embedded channel's loop counts every thread as its own.
     */
    @Test
    void framesFromAnotherThreadLeaveInOrderOverARealEventLoop() throws Exception {
        EventLoopGroup group = new DefaultEventLoopGroup(1);
        LocalAddress address = new LocalAddress("frame-writer-" + System.nanoTime());
        int total = 5_000;
        CopyOnWriteArrayList<String> received = new CopyOnWriteArrayList<>();
        Channel server = null;
        Channel client = null;
        Scheduler foreign = Schedulers.newSingle("not-the-loop");
        try {
            server = new ServerBootstrap().group(group).channel(LocalServerChannel.class)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new WebSocket13FrameDecoder(WebSocketDecoderConfig.newBuilder()
                                    .expectMaskedFrames(false).build()));
                            ch.pipeline().addLast(new SimpleChannelInboundHandler<TextWebSocketFrame>() {
                                @Override
                                protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame f) {
                                    received.add(f.text());
                                }
                            });
                        }
                    }).bind(address).sync().channel();
            client = new Bootstrap().group(group).channel(LocalChannel.class)
                    .handler(new WebSocket13FrameEncoder(false)).connect(address).sync().channel();
            Channel ch = client;
            ChannelHandlerContext encoder = ch.pipeline().context(WebSocketFrameEncoder.class);
            AtomicReference<String> offLoop = new AtomicReference<>("none");
            Sinks.Empty<Void> done = Sinks.empty();
            FrameWriter.send(ch, encoder, Flux.range(0, total)
                            .publishOn(foreign, 16)
                            .doOnNext(i -> {
                                if (ch.eventLoop().inEventLoop()) {
                                    offLoop.set("frame " + i + " was sent from the event loop");
                                }
                            })
                            .map(FrameWriterTest::text), FrameWriterTest::install)
                    .subscribe(null, done::tryEmitError, done::tryEmitEmpty);
            done.asMono().block(Duration.ofSeconds(20));
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> received.size() >= total);
            assertThat(offLoop.get()).isEqualTo("none");
            assertThat(received).hasSize(total);
            for (int i = 0; i < total; i++) {
                assertThat(received.get(i)).isEqualTo("{\"n\":" + i + "}");
            }
        } finally {
            foreign.dispose();
            if (client != null) {
                client.close().sync();
            }
            if (server != null) {
                server.close().sync();
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
