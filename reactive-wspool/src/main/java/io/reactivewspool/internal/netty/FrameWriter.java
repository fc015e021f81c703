package io.reactivewspool.internal.netty;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.function.BiConsumer;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionEncoder;
import io.reactivewspool.server.OutboundFrame;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Exceptions;
import reactor.core.publisher.Mono;

/**
 * Writes one connection's outbound frames to its channel, on the channel's event loop only.
 *
 * <p>Demand is the backpressure: at most {@link #BATCH} frames are requested ahead, and more only
 * while the channel is writable, so a client that stops reading holds the hub's bounded queue
 * plus one batch plus Netty's high water mark, never more. A frame that arrives on the loop with
 * nothing pending is written at once (the common case of a broadcast read on the same loop);
 * one from another thread waits in a stack bounded by the demand and is written by one task.
 * Frames go out pre-framed ({@link LoopBatch}) unless the connection negotiated an extension
 * such as permessage-deflate, which must see every frame.
 *
 * <p>It is also the subscription of whoever subscribed to {@link #send}: cancelling it stops the
 * writing, and it completes that subscriber when the frames end or the channel closes. An idle
 * connection keeps this object for its whole life, so it holds nothing it does not need.
 */
final class FrameWriter extends ChannelInboundHandlerAdapter implements CoreSubscriber<OutboundFrame>, Subscription, Runnable,
        ChannelFutureListener {

    /** The writer's name in the channel's pipeline. */
    static final String NAME = "wspool.writer";

    static final int BATCH = 64;
    private static final int REPLENISH = BATCH / 2;

    private final Channel channel;
    private final EventLoop loop;
    private static final AtomicIntegerFieldUpdater<FrameWriter> DRAIN_SCHEDULED =
            AtomicIntegerFieldUpdater.newUpdater(FrameWriter.class, "drainScheduled");
    private static final AtomicReferenceFieldUpdater<FrameWriter, Handoff> PENDING =
            AtomicReferenceFieldUpdater.newUpdater(FrameWriter.class, Handoff.class, "pending");
    private final CoreSubscriber<? super Void> done;
    /** The frame encoder's context when frames go out pre-framed; {@code null} for the encoder path. */
    private final ChannelHandlerContext encoder;
    private volatile int drainScheduled;
    private volatile Subscription subscription;
    /**
     * Frames handed over from other threads, newest first; {@code null} when there are none. Not a
     * queue object: every connection gets such frames (the heartbeat ping comes from the hub's
     * timer thread), and a queue would stay allocated for the connection's whole life (about 70
     * bytes for an empty linked queue, 700 for an array queue of {@link #BATCH} slots). The
     * demand bounds it.
     */
    private volatile Handoff pending;
    /** Frames received; onNext calls are serialized (Reactive Streams rule 1.3). */
    private long received;
    private volatile boolean cancelled;
    // Written only on the loop; read by onNext on any thread to hold the publisher to its demand.
    private volatile long requested;
    // Touched only on the loop.
    private long consumed;
    private boolean flushPending;
    private boolean finished;
    /** This side's close frame is written: nothing may follow it (RFC 6455, 5.5.1). */
    private boolean closeWritten;

    private FrameWriter(Channel channel, CoreSubscriber<? super Void> done, ChannelHandlerContext encoder) {
        this.channel = channel;
        this.loop = channel.eventLoop();
        this.done = done;
        this.encoder = encoder;
    }

    /**
     * As {@link #send(Channel, ChannelHandlerContext, Publisher, BiConsumer)}, pre-framing unless the
     * connection negotiated an extension (permessage-deflate), which must see every frame; the
     * pipeline is looked at when the send is subscribed.
     */
    static Mono<Void> send(Channel channel, Publisher<OutboundFrame> frames, BiConsumer<Channel, FrameWriter> install) {
        return Mono.defer(() -> send(channel, channel.pipeline().get(WebSocketExtensionEncoder.class) == null
                ? channel.pipeline().context(WebSocketFrameEncoder.class) : null, frames, install));
    }

    /**
     * Writes the frames to the channel: each subscriber gets a writer, which {@code install} puts
     * into the channel's pipeline, or hands to a handler already there that calls
     * {@link #writabilityChanged()}, before it subscribes to the frames.
     *
     * @param encoder the context of the channel's WebSocket frame encoder, or {@code null} to send
     *                every frame through the whole pipeline (extensions such as permessage-deflate)
     */
    static Mono<Void> send(Channel channel, ChannelHandlerContext encoder, Publisher<OutboundFrame> frames,
                           BiConsumer<Channel, FrameWriter> install) {
        return new Mono<>() {
            @Override
            public void subscribe(CoreSubscriber<? super Void> actual) {
                FrameWriter writer = new FrameWriter(channel, actual, encoder);
                actual.onSubscribe(writer);
                install.accept(channel, writer);
                frames.subscribe(writer);
            }
        };
    }

    @Override
    public void onSubscribe(Subscription s) {
        subscription = s;
        channel.closeFuture().addListener(this);
        onLoop(this::replenish);
    }

    @Override
    public void onNext(OutboundFrame f) {
        if (++received > requested) {
            // More frames than were requested: the publisher broke the contract.
            onError(Exceptions.failWithOverflow("outbound frames beyond the " + requested + " requested"));
            return;
        }
        if (loop.inEventLoop() && pending == null) {
            write(f);
            replenish();
            return;
        }
        for (;;) {
            Handoff head = pending;
            if (PENDING.compareAndSet(this, head, new Handoff(f, head))) {
                break;
            }
        }
        if (loop.inEventLoop()) {
            run();
        } else if (drainScheduled == 0 && DRAIN_SCHEDULED.compareAndSet(this, 0, 1)) {
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

    @Override
    public void request(long n) {
        // The subscriber of send() waits for completion only: there is nothing to request.
    }

    /** Cancels the upstream; frames not yet written are dropped. */
    @Override
    public void cancel() {
        cancelled = true;
        Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
    }

    /** Drains the frames handed over from other threads. */
    @Override
    public void run() {
        writePending();
        replenish();
    }

    /**
     * Called on the loop just before this side's close frame is written, by whoever writes it:
     * frames handed over before it go out before it, and every frame after it is dropped. A browser
     * fails a connection that sends anything after the close frame it answered, and reports 1006
     * with no reason instead of the hub's code and reason. The demand goes on, so the hub's queue
     * drains rather than overflowing into a slow-consumer close.
     */
    static void closing(FrameWriter writer) {
        if (writer != null) {
            writer.writePending();
            closed(writer);
        }
    }

    /**
     * As {@link #closing}, called on the loop when a close frame is already written (Netty's decoder
     * writes its own on a protocol violation): frames still handed over are dropped with the rest.
     */
    static void closed(FrameWriter writer) {
        if (writer != null) {
            writer.closeWritten = true;
            if (writer.subscription != null) {
                writer.replenish();
            }
        }
    }

    private void writePending() {
        drainScheduled = 0;
        Handoff newestFirst = PENDING.getAndSet(this, null);
        if (newestFirst != null) {
            Handoff oldestFirst = null;
            for (Handoff h = newestFirst; h != null; ) {
                Handoff next = h.next;
                h.next = oldestFirst;
                oldestFirst = h;
                h = next;
            }
            for (Handoff h = oldestFirst; h != null; h = h.next) {
                write(h.frame);
            }
        }
    }

    private void write(OutboundFrame f) {
        consumed++;
        // Netty's own test for a closed channel: unlike isActive() it reads nothing the write
        // does not read anyway (isActive() asks the JDK channel, one more object per delivery).
        if (cancelled || closeWritten || channel.unsafe().outboundBuffer() == null) {
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
            done.onComplete();
        } else {
            done.onError(error);
        }
    }

    /** The channel closed: the listener itself, one object less per connection than a lambda. */
    @Override
    public void operationComplete(ChannelFuture closed) {
        loop.execute(this::onChannelClosed);
    }

    private void onChannelClosed() {
        cancel();
        if (!finished) {
            finished = true;
            done.onComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        writabilityChanged();
        ctx.fireChannelWritabilityChanged();
    }

    /**
     * The channel's writability changed (on its event loop): told by the writer's own place in the
     * pipeline, or by a handler of ours that the channel has anyway, which saves the writer a context
     * (64 bytes) for the connection's whole life.
     */
    void writabilityChanged() {
        if (channel.isWritable()) {
            replenish();
        }
    }

    /** For such a handler: tells {@code writer} (once sending started, else {@code null}), then passes the event on. */
    static void writabilityChanged(FrameWriter writer, ChannelHandlerContext ctx) {
        if (writer != null) {
            writer.writabilityChanged();
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

    /** One frame handed over from another thread, linked to the one handed over before it. */
    private static final class Handoff {
        final OutboundFrame frame;
        Handoff next;

        Handoff(OutboundFrame frame, Handoff next) {
            this.frame = frame;
            this.next = next;
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
