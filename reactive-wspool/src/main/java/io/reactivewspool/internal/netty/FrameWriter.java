package io.reactivewspool.internal.netty;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.reactivewspool.server.OutboundFrame;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Exceptions;
import reactor.core.publisher.MonoSink;

/**
 * Writes one connection's outbound frames to its channel, on the channel's event loop only.
 *
 * <p>Demand is the backpressure: at most {@link #BATCH} frames are requested ahead, and more only
 * while the channel is writable, so a client that stops reading holds the hub's bounded queue
 * plus one batch plus Netty's high water mark, never more. A frame that arrives on the loop with
 * nothing pending is written at once (the common case of a broadcast read on the same loop);
 * one from another thread waits in a queue bounded by the demand and is written by one task.
 * Frames go out pre-framed ({@link LoopBatch}) unless the connection negotiated an extension
 * such as permessage-deflate, which must see every frame.
 */
final class FrameWriter extends ChannelInboundHandlerAdapter implements CoreSubscriber<OutboundFrame>, Runnable {

    static final int BATCH = 64;
    private static final int REPLENISH = BATCH / 2;

    private final Channel channel;
    private final EventLoop loop;
    private final MonoSink<Void> done;
    /** The frame encoder's context when frames go out pre-framed; {@code null} for the encoder path. */
    private final ChannelHandlerContext encoder;
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private volatile Subscription subscription;
    /**
     * Frames handed over from other threads, created with the first such frame. A linked queue,
     * not an array: every connection gets such frames (the heartbeat ping comes from the hub's
     * timer thread) and then keeps the queue for its whole life, and an empty array queue of
     * {@link #BATCH} slots costs about 700 bytes per idle connection. The demand bounds it.
     */
    private volatile Queue<OutboundFrame> pending;
    /** Frames received; onNext calls are serialized (Reactive Streams rule 1.3). */
    private long received;
    private volatile boolean cancelled;
    // Written only on the loop; read by onNext on any thread to hold the publisher to its demand.
    private volatile long requested;
    // Touched only on the loop.
    private long consumed;
    private boolean flushPending;
    private boolean finished;

    /**
     * @param encoder the context of the channel's WebSocket frame encoder, or {@code null} to send
     *                every frame through the whole pipeline (extensions such as permessage-deflate)
     */
    FrameWriter(Channel channel, MonoSink<Void> done, ChannelHandlerContext encoder) {
        this.channel = channel;
        this.loop = channel.eventLoop();
        this.done = done;
        this.encoder = encoder;
    }

    @Override
    public void onSubscribe(Subscription s) {
        subscription = s;
        channel.closeFuture().addListener(f -> loop.execute(this::onChannelClosed));
        onLoop(this::replenish);
    }

    @Override
    public void onNext(OutboundFrame f) {
        if (++received > requested) {
            // More frames than were requested: the publisher broke the contract.
            onError(Exceptions.failWithOverflow("outbound frames beyond the " + requested + " requested"));
            return;
        }
        Queue<OutboundFrame> q = pending;
        if (loop.inEventLoop() && (q == null || q.isEmpty())) {
            write(f);
            replenish();
            return;
        }
        if (q == null) {
            q = new ConcurrentLinkedQueue<>();
            pending = q;
        }
        q.offer(f);
        if (loop.inEventLoop()) {
            run();
        } else if (!drainScheduled.get() && drainScheduled.compareAndSet(false, true)) {
            loop.execute(this);
        }
    }

    @Override
    public void onError(Throwable t) {
        onLoop(() -> finish(t));
    }

    @Override
    public void onComplete() {
        onLoop(() -> finish(null));
    }

    /** Cancels the upstream; frames not yet written are dropped. */
    void cancel() {
        cancelled = true;
        Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
    }

    /** Drains the frames handed over from other threads. */
    @Override
    public void run() {
        drainScheduled.set(false);
        Queue<OutboundFrame> q = pending;
        if (q != null) {
            OutboundFrame f;
            while ((f = q.poll()) != null) {
                write(f);
            }
        }
        replenish();
    }

    private void write(OutboundFrame f) {
        consumed++;
        // Netty's own test for a closed channel: unlike isActive() it reads nothing the write
        // does not read anyway (isActive() asks the JDK channel, one more object per delivery).
        if (cancelled || channel.unsafe().outboundBuffer() == null) {
            return;
        }
        LoopBatch batch = LoopBatch.of(loop);
        if (encoder != null) {
            // Already a frame on the wire: from the encoder's place on, the frame encoder is skipped.
            encoder.write(batch.framed(f, channel.alloc()), channel.voidPromise());
        } else {
            channel.write(toNetty(f), channel.voidPromise());
        }
        if (!flushPending) {
            flushPending = true;
            batch.flushLater(this);
        }
    }

    void flush() {
        flushPending = false;
        if (encoder != null) {
            encoder.flush();
        } else {
            channel.flush();
        }
    }

    private void replenish() {
        long outstanding = requested - consumed;
        if (outstanding > REPLENISH || cancelled || finished || !channel.isWritable()) {
            return;
        }
        long n = BATCH - outstanding;
        requested += n;
        subscription.request(n);
    }

    private void finish(Throwable error) {
        if (finished) {
            return;
        }
        run();
        finished = true;
        if (flushPending) {
            flush();
        }
        if (error == null) {
            done.success();
        } else {
            done.error(error);
        }
    }

    private void onChannelClosed() {
        cancel();
        if (!finished) {
            finished = true;
            done.success();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            replenish();
        }
        ctx.fireChannelWritabilityChanged();
    }

    private void onLoop(Runnable task) {
        if (loop.inEventLoop()) {
            task.run();
        } else {
            loop.execute(task);
        }
    }

    /** The frame for Netty's encoder and extensions, wrapping the shared bytes without a copy. */
    private static WebSocketFrame toNetty(OutboundFrame f) {
        return switch (f.kind()) {
            case TEXT -> new TextWebSocketFrame(Unpooled.wrappedBuffer(f.payload()));
            case BINARY -> new BinaryWebSocketFrame(Unpooled.wrappedBuffer(f.payload()));
            case PING -> new PingWebSocketFrame(Unpooled.wrappedBuffer(f.payload()));
            case PONG -> new PongWebSocketFrame(Unpooled.wrappedBuffer(f.payload()));
        };
    }
}
