package io.reactivewspool.internal.netty;

import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
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
 * It also reassembles fragmented messages up to the size limit ({@link FragmentedMessage}), in place
 * of Netty's aggregator, a pipeline handler each connection would keep. One subscriber.
 */
final class InboundFrames extends Flux<InboundFrame> implements CoreSubscriber<Object>, Subscription {

    private final Publisher<Object> source;
    private final int maxFrameBytes;
    private CoreSubscriber<? super InboundFrame> actual;
    private Subscription upstream;
    /** The message being reassembled from fragments, or {@code null}. */
    private FragmentedMessage fragments;
    /** A message went over the limit: the error is signalled, what still arrives is dropped. */
    private boolean done;

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
        InboundFrame frame = done || !(o instanceof WebSocketFrame f) ? null : toInbound(f);
        if (frame != null) {
            actual.onNext(frame);
        } else if (!done) {
            upstream.request(1);
        }
    }

    /** The frame for the hub, or {@code null} when there is none yet (a fragment) or none at all. */
    private InboundFrame toInbound(WebSocketFrame f) {
        if (f instanceof ContinuationWebSocketFrame) {
            FragmentedMessage m = fragments;
            if (m == null || !append(m, f)) {
                return null;
            }
            if (!f.isFinalFragment()) {
                return null;
            }
            fragments = null;
            return m.toFrame();
        }
        InboundFrame.Kind kind = kindOf(f);
        if (kind == null) {
            return null;
        }
        if (!f.isFinalFragment()) {
            FragmentedMessage m = new FragmentedMessage(kind);
            if (append(m, f)) {
                fragments = m;
            }
            return null;
        }
        return new InboundFrame(kind, ByteBufUtil.getBytes(f.content()));
    }

    /** Adds a fragment; over the limit, signals the error instead and drops everything after it. */
    private boolean append(FragmentedMessage m, WebSocketFrame fragment) {
        if (m.append(fragment.content(), maxFrameBytes)) {
            return true;
        }
        fragments = null;
        done = true;
        actual.onError(tooLarge(null));
        return false;
    }

    private WsFrameTooLargeException tooLarge(Throwable cause) {
        return new WsFrameTooLargeException("message larger than " + maxFrameBytes + " bytes", cause);
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
        if (done) {
            Operators.onErrorDropped(t, actual.currentContext());
            return;
        }
        done = true;
        actual.onError(t instanceof TooLongFrameException || InflateBound.exceeded(t) ? tooLarge(t) : t);
    }

    @Override
    public void onComplete() {
        if (!done) {
            done = true;
            actual.onComplete();
        }
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
