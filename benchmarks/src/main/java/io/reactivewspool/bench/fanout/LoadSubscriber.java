package io.reactivewspool.bench.fanout;

import static io.reactivewspool.bench.fanout.ByteScan.indexOf;
import static io.reactivewspool.bench.fanout.ByteScan.parseLong;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * One subscriber connection of the {@link LoadGenerator}: subscribes to the topic, then finds {@code "seq":},
 * {@code "p":} and {@code "t":} in each delivery by byte search, records latency in the measured window and
 * keeps the last sequence number seen per publisher (a gap is loss, a step back is reordering). State other
 * than the counters it shares with the generator is owned by its event loop.
 */
final class LoadSubscriber extends LoadConnection implements ServerFrameDecoder.Sink {

    private static final byte[] SEQ_KEY = "\"seq\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PUB_KEY = "\"p\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TIME_KEY = "\"t\":".getBytes(StandardCharsets.US_ASCII);

    final int index;
    final long[] last;
    long gaps;
    long outOfOrder;
    long unexpectedFrames;
    boolean subscribed;
    boolean stopped;
    boolean gone;

    LoadSubscriber(LoadGenerator generator, int index) {
        super(generator);
        this.index = index;
        this.last = new long[generator.pubs.length];
        Arrays.fill(last, -1);
    }

    boolean counts() {
        return subscribed && !stopped && !gone;
    }

    @Override
    void handshakeComplete(ChannelHandlerContext ctx) {
        // Frames the handshake already decoded (a welcome in the same segment as the 101) arrived as
        // WebSocketFrame objects; from now on the lean decoder calls onText directly.
        if (!Boolean.getBoolean("bench.nettyDecoder")) {
            ctx.pipeline().replace(WebSocketFrameDecoder.class, "bench-frame-decoder",
                    new ServerFrameDecoder(this, LoadGenerator.MAX_FRAME));
        }
        ctx.writeAndFlush(new TextWebSocketFrame(
                "{\"type\":\"subscribe\",\"topic\":\"" + generator.config.topic() + "\",\"id\":\"s" + index + "\"}"));
    }

    @Override
    void onReady(boolean success) {
        if (success) {
            subscribed = true;
            generator.subscribedCount.incrementAndGet();
        } else {
            generator.subscribeFailures.incrementAndGet();
        }
        generator.subscribersSettled.countDown();
        generator.connectNextSubscriber();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        ByteBuf content = frame.content();
        if (frame instanceof TextWebSocketFrame) {
            onText(content, content.readerIndex(), content.writerIndex());
        } else {
            onUnexpectedFrame();
        }
    }

    @Override
    public void onUnexpectedFrame() {
        unexpectedFrames++;
    }

    @Override
    public void onText(ByteBuf content, int start, int end) {
        int seqAt = indexOf(content, SEQ_KEY, start, end);
        if (seqAt < 0) {
            control(content.toString(start, end - start, StandardCharsets.UTF_8));
            return;
        }
        long now = System.nanoTime();
        if (generator.dataFrameBytes == 0) {
            generator.dataFrameBytes = end - start;
        }
        long seq = parseLong(content, seqAt + SEQ_KEY.length, end);
        // The load generator writes p, seq, t in this order; a server that reorders them costs a rescan.
        int pubAt = indexOf(content, PUB_KEY, Math.max(start, seqAt - 16), seqAt);
        if (pubAt < 0) {
            pubAt = indexOf(content, PUB_KEY, start, end);
        }
        int timeAt = indexOf(content, TIME_KEY, seqAt, end);
        if (timeAt < 0) {
            timeAt = indexOf(content, TIME_KEY, start, end);
        }
        if (pubAt < 0 || timeAt < 0) {
            unexpectedFrames++;
            return;
        }
        int p = (int) parseLong(content, pubAt + PUB_KEY.length, end);
        long sent = parseLong(content, timeAt + TIME_KEY.length, end);
        if (generator.phase == LoadGenerator.PHASE_MEASURE) {
            generator.windowDeliveries.increment();
            generator.latency.recordValue(Math.max(0, now - sent));
        }
        if (p < 0 || p >= last.length || stopped) {
            return;
        }
        long previous = last[p];
        if (seq > previous) {
            gaps += seq - previous - 1;
            last[p] = seq;
            generator.pubs[p].accounted(seq - previous);
        } else {
            outOfOrder++;
        }
    }

    private void control(String text) {
        JsonNode msg;
        try {
            msg = Protocol.MAPPER.readTree(text);
        } catch (JacksonException e) {
            return;
        }
        String type = msg.path("type").asString("");
        if ("subscribed".equals(type)) {
            settle(true, null);
        } else if ("error".equals(type) && !subscribed) {
            settle(false, "server refused subscribe: " + msg.path("error").asString(""));
        }
    }

    @Override
    void closedAfterReady() {
        if (subscribed && !stopped && !gone && generator.phase < LoadGenerator.PHASE_DONE) {
            gone = true;
            generator.disconnected.incrementAndGet();
            if (generator.phase >= LoadGenerator.PHASE_WARMUP) {
                generator.readers.decrementAndGet();
                // What this subscriber had accounted for no longer counts towards any publisher's progress.
                for (int p = 0; p < last.length; p++) {
                    generator.pubs[p].accounted(-(last[p] + 1));
                }
            }
        }
    }
}
