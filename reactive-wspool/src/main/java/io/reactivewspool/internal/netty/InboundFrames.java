package io.reactivewspool.internal.netty;

import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.reactivewspool.server.InboundFrame;
import io.reactivewspool.server.WsFrameTooLargeException;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;

/**
 * The frames of a Reactor Netty WebSocket as {@link InboundFrame}s: the bytes copied out (Reactor
 * Netty releases each frame once {@code onNext} returns), anything that is not a frame skipped,
 * and a message over the size limit signalled as {@link WsFrameTooLargeException}. One object
 * that is both the subscriber to Reactor Netty and the publisher to the hub, in place of
 * {@code ofType}, {@code map} and {@code onErrorMap}: an idle connection keeps it for life.
 * One subscriber.
 */
final class InboundFrames extends Flux<InboundFrame> implements CoreSubscriber<Object>, Subscription {

    private final Publisher<Object> source;
    private final int maxFrameBytes;
    private CoreSubscriber<? super InboundFrame> actual;
    private Subscription upstream;

    InboundFrames(Publisher<Object> source, int maxFrameBytes) {
        this.source = source;
        this.maxFrameBytes = maxFrameBytes;
    }

    @Override
    public void subscribe(CoreSubscriber<? super InboundFrame> subscriber) {
        if (actual != null) {
            Operators.error(subscriber, new IllegalStateException("a connection's frames have one subscriber"));
            return;
        }
        actual = subscriber;
        source.subscribe(this);
    }

    @Override
    public void onSubscribe(Subscription s) {
        if (Operators.validate(upstream, s)) {
            upstream = s;
            actual.onSubscribe(this);
        }
    }

    @Override
    public void onNext(Object o) {
        if (o instanceof WebSocketFrame f) {
            actual.onNext(toInbound(f));
        } else {
            upstream.request(1);
        }
    }

    private static InboundFrame toInbound(WebSocketFrame f) {
        InboundFrame.Kind kind = kindOf(f);
        return new InboundFrame(kind == null ? InboundFrame.Kind.BINARY : kind, ByteBufUtil.getBytes(f.content()));
    }

    /** The hub's kind of a text, binary, ping or pong frame; {@code null} for any other frame. */
    static InboundFrame.Kind kindOf(WebSocketFrame f) {
        return f instanceof TextWebSocketFrame ? InboundFrame.Kind.TEXT
                : f instanceof BinaryWebSocketFrame ? InboundFrame.Kind.BINARY
                : f instanceof PingWebSocketFrame ? InboundFrame.Kind.PING
                : f instanceof PongWebSocketFrame ? InboundFrame.Kind.PONG : null;
    }

    @Override
    public void onError(Throwable t) {
        actual.onError(t instanceof TooLongFrameException || InflateBound.exceeded(t)
                ? new WsFrameTooLargeException("message larger than " + maxFrameBytes + " bytes", t) : t);
    }

    @Override
    public void onComplete() {
        actual.onComplete();
    }

    @Override
    public void request(long n) {
        upstream.request(n);
    }

    @Override
    public void cancel() {
        upstream.cancel();
    }
}
