package io.reactivewspool.internal.netty;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandler;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import io.reactivewspool.message.WsCloseStatus;
import io.reactivewspool.server.HandshakeInfo;
import io.reactivewspool.server.InboundFrame;
import io.reactivewspool.server.OutboundFrame;
import io.reactivewspool.server.WsFrameTooLargeException;
import io.reactivewspool.server.WsTransport;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;

/**
 * {@link WsTransport} on a plain Netty channel, the plain engine's one object per connection, and the
 * Reactor Netty engine's once {@link ReactorNettyTakeover} took the connection over: it
 * is the channel's inbound handler behind Netty's WebSocket decoder, the {@link #receive()} Flux
 * (itself, with itself as the Subscription) and the subscriber of the hub's {@code serve}; the
 * {@link FrameWriter} is the rest. An idle connection therefore holds these two objects and
 * nothing else of the transport's: no lambda, no operator.
 *
 * <p>Inbound: each frame's bytes are copied into an {@link InboundFrame} and the frame released;
 * fragments are reassembled up to the frame limit, beyond it {@code receive()} signals
 * {@link WsFrameTooLargeException}; RSV bits no negotiated extension defines close with 1002
 * ({@link InboundGuard}'s rule). With permessage-deflate a message is inflated only up to the
 * frame limit (past it, {@link WsFrameTooLargeException}); one that does not inflate closes with
 * 1007. Without demand frames are held and reading stops until {@code request}. A peer's close
 * frame is answered with its code, then the channel is closed; after {@link #close} the channel
 * closes on the peer's answer or a grace period later. Either close completes {@code receive()}.
 *
 * <p>State is touched on the channel's event loop only; {@code subscribe}, {@code request},
 * {@code cancel} and {@code close} from other threads hop there.
 */
final class PlainNettyWsTransport extends Flux<InboundFrame>
        implements ChannelInboundHandler, ChannelTransport, Subscription, CoreSubscriber<Void> {

    static final String NAME = "wspool.transport";
    private static final Logger log = LoggerFactory.getLogger(PlainNettyWsTransport.class);

    private final Channel channel;
    private final HandshakeInfo handshake;
    private final int maxFrameBytes;

    private CoreSubscriber<? super InboundFrame> receiver;
    private boolean subscribed;
    private long demand;
    /** Frames that arrived without demand (a read may decode several); created when first needed. */
    private ArrayDeque<InboundFrame> held;
    private boolean draining;
    /** No more frames will come: the peer closed, the channel went, or the inbound failed. */
    private boolean inboundDone;
    private Throwable failure;
    private boolean closeSent;
    /** The message being reassembled from fragments, or {@code null}. */
    private FragmentedMessage fragments;
    /** The connection's frame writer, told of writability changes; {@code null} until sending starts. */
    private volatile FrameWriter writer;

    PlainNettyWsTransport(Channel channel, HandshakeInfo handshake, int maxFrameBytes) {
        this.channel = channel;
        this.handshake = handshake;
        this.maxFrameBytes = maxFrameBytes;
    }

    // ---------------------------------------------------------------- WsTransport

    @Override
    public HandshakeInfo handshake() {
        return handshake;
    }

    @Override
    public Flux<InboundFrame> receive() {
        return this;
    }

    @Override
    public Mono<Void> send(Publisher<OutboundFrame> frames) {
        // This handler tells the writer of writability changes: the writer needs no place in the pipeline.
        return FrameWriter.send(channel, frames, (ch, w) -> writer = w);
    }

    @Override
    public Mono<Void> close(WsCloseStatus status) {
        return Mono.create(sink -> onLoop(() -> {
            if (!channel.isActive() || closeSent) {
                sink.success();
                return;
            }
            sendClose(new CloseWebSocketFrame(status.code(), status.reason()), false).addListener(f -> sink.success());
            // As with Reactor Netty, the hub is done reading once it closes: frames until the peer's
            // answer are dropped, and the connection leaves the hub now, not when the socket goes.
            endInbound(null);
        }));
    }

    /**
     * Sends this side's close frame; the channel closes once it is written ({@code closeWhenWritten})
     * or on the peer's answer, and at the latest a grace period later: the frame queues behind
     * unwritten data, and a client that stopped reading would keep the channel open forever. The
     * grace task is never cancelled: that would take the scheduler's lock on the loop.
     */
    private ChannelFuture sendClose(CloseWebSocketFrame frame, boolean closeWhenWritten) {
        closeSent = true;
        FrameWriter.closing(writer);
        channel.eventLoop().schedule(() -> {
            channel.close();
        }, CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        ChannelFuture written = channel.writeAndFlush(frame);
        return closeWhenWritten ? written.addListener(ChannelFutureListener.CLOSE) : written;
    }

    // ---------------------------------------------------------------- inbound frames

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof WebSocketFrame frame)) {
            if (msg == LastHttpContent.EMPTY_LAST_CONTENT) {
                // The upgrade request's end, decoded with its head: taken over from Reactor Netty inside the
                // read of the head, the transport is in the pipeline before the decoder hands it on.
                return;
            }
            // Bytes behind the upgrade request, handed on raw when the HTTP codec left.
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        try {
            onFrame(frame);
        } finally {
            frame.release();
        }
    }

    private void onFrame(WebSocketFrame frame) {
        if (frame.rsv() != 0) {
            // Netty's decoder checks RSV bits only without extensions; permessage-deflate clears RSV1 of what it inflates.
            // After the inbound ended (a message over the limit, its decoder discarded) they are only dropped.
            if (!inboundDone && !closeSent) {
                sendClose(new CloseWebSocketFrame(WebSocketCloseStatus.PROTOCOL_ERROR, "reserved bits set without an extension"), true);
            }
            endInbound(null);
            return;
        }
        if (frame instanceof CloseWebSocketFrame close) {
            peerClosed(close.statusCode());
            return;
        }
        if (inboundDone) {
            return;
        }
        ByteBuf content = frame.content();
        if (frame instanceof ContinuationWebSocketFrame) {
            // Netty's decoder refuses a continuation without a message to continue.
            if (fragments != null && append(content) && frame.isFinalFragment()) {
                FragmentedMessage whole = fragments;
                fragments = null;
                emit(whole.toFrame());
            }
            return;
        }
        InboundFrame.Kind kind = InboundFrames.kindOf(frame);
        if (kind == null) {
            return;
        }
        if (!frame.isFinalFragment()) {
            fragments = new FragmentedMessage(kind);
            append(content);
            return;
        }
        // The decoder bounds a frame on the wire; an inflated one only this check does.
        if (content.readableBytes() > maxFrameBytes) {
            tooLarge();
            return;
        }
        emit(new InboundFrame(kind, ByteBufUtil.getBytes(content)));
    }

    /** Adds a fragment; {@code false} when the message grew over the limit (and the inbound ended). */
    private boolean append(ByteBuf chunk) {
        if (!fragments.append(chunk, maxFrameBytes)) {
            tooLarge();
            return false;
        }
        return true;
    }

    private void tooLarge() {
        fragments = null;
        endInbound(new WsFrameTooLargeException("message larger than " + maxFrameBytes + " bytes", null));
    }

    private void peerClosed(int code) {
        if (closeSent) {
            channel.close();
        } else {
            sendClose(code == -1 ? new CloseWebSocketFrame() : new CloseWebSocketFrame(code, ""), true);
        }
        endInbound(null);
    }

    private void emit(InboundFrame f) {
        if (receiver != null && demand > 0 && !draining && (held == null || held.isEmpty())) {
            if (demand != Long.MAX_VALUE) {
                demand--;
            }
            receiver.onNext(f);
            return;
        }
        if (held == null) {
            held = new ArrayDeque<>(4);
        }
        held.add(f);
        if (demand == 0) {
            channel.config().setAutoRead(false);
        }
    }

    private void endInbound(Throwable error) {
        if (!inboundDone) {
            inboundDone = true;
            failure = error;
            drain();
        }
    }

    /** Hands held frames over while there is demand, then the end once it has come. */
    private void drain() {
        if (draining) {
            return;
        }
        draining = true;
        try {
            CoreSubscriber<? super InboundFrame> r;
            while ((r = receiver) != null) {
                InboundFrame f = held == null ? null : held.peek();
                if (f != null) {
                    if (demand == 0) {
                        return;
                    }
                    held.poll();
                    if (demand != Long.MAX_VALUE) {
                        demand--;
                    }
                    r.onNext(f);
                } else {
                    if (inboundDone) {
                        receiver = null;
                        if (failure == null) {
                            r.onComplete();
                        } else {
                            r.onError(failure);
                        }
                    } else if (demand > 0 && !channel.config().isAutoRead()) {
                        channel.config().setAutoRead(true);
                    }
                    return;
                }
            }
        } finally {
            draining = false;
        }
    }

    // ---------------------------------------------------------------- receive(): Flux and Subscription

    @Override
    public void subscribe(CoreSubscriber<? super InboundFrame> actual) {
        onLoop(() -> {
            if (subscribed) {
                Operators.error(actual, new IllegalStateException("receive() allows one subscriber"));
                return;
            }
            subscribed = true;
            receiver = actual;
            actual.onSubscribe(this);
            drain();
        });
    }

    @Override
    public void request(long n) {
        if (Operators.validate(n)) {
            onLoop(() -> {
                demand = Operators.addCap(demand, n);
                drain();
            });
        }
    }

    /** The hub no longer reads this connection: like Reactor Netty, close it with an empty close frame. */
    @Override
    public void cancel() {
        onLoop(() -> {
            receiver = null;
            held = null;
            inboundDone = true;
            if (!closeSent && channel.isActive()) {
                sendClose(new CloseWebSocketFrame(), true);
            }
        });
    }

    // ---------------------------------------------------------------- the hub's serve()

    @Override
    public void onSubscribe(Subscription s) {
        s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(Void unused) {
    }

    @Override
    public void onError(Throwable error) {
        log.debug("connection failed remote={} error={}", handshake.remoteAddress(), error.toString());
        onComplete();
    }

    /** The hub is done with the connection: like Reactor Netty, close it if nothing did. */
    @Override
    public void onComplete() {
        onLoop(() -> {
            if (!closeSent && channel.isActive()) {
                sendClose(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE), true);
            }
        });
    }

    // ---------------------------------------------------------------- channel events

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (!ctx.channel().isActive()) {
            // Closed between the 101 and this handler taking the router's place: no channelInactive will come.
            endInbound(null);
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        fragments = null;
        endInbound(null);
        ctx.fireChannelInactive();
    }

    @Override
    @SuppressWarnings("deprecation") // deprecated on ChannelHandler only, where outbound handlers inherit it
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // permessage-deflate's decoder stops at the frame limit or on a stream that does not inflate;
        // the frames after it arrive deflated and are dropped.
        switch (InflateBound.failure(ctx.pipeline(), cause)) {
            case NONE -> { }
            case HANDLED -> {
                return;
            }
            case EXCEEDED -> {
                tooLarge();
                return;
            }
            case NOT_INFLATABLE -> {
                if (!closeSent) {
                    sendClose(InflateBound.notInflatableClose(), true);
                    endInbound(null);
                }
                return;
            }
        }
        // Netty's decoder answers a protocol violation with its close frame and closes after it;
        // anything else leaves nothing to say to the peer.
        closeSent = true;
        FrameWriter.closed(writer);
        if (!(cause instanceof CorruptedWebSocketFrameException)) {
            ctx.close();
        }
        endInbound(cause);
    }

    @Override
    public void channelRegistered(ChannelHandlerContext ctx) {
        ctx.fireChannelRegistered();
    }

    @Override
    public void channelUnregistered(ChannelHandlerContext ctx) {
        ctx.fireChannelUnregistered();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.fireChannelActive();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.fireChannelReadComplete();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        FrameWriter.writabilityChanged(writer, ctx);
    }

    @Override
    public Channel channel() {
        return channel;
    }

    private void onLoop(Runnable task) {
        EventLoop loop = channel.eventLoop();
        if (loop.inEventLoop()) {
            task.run();
        } else {
            loop.execute(task);
        }
    }

    @Override
    public String toString() {
        return "PlainNettyWsTransport{remote=" + handshake.remoteAddress() + "}";
    }
}
