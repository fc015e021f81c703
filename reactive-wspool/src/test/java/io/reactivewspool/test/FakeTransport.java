package io.reactivewspool.test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;

import io.reactivewspool.message.WsCloseStatus;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.HandshakeInfo;
import io.reactivewspool.server.InboundFrame;
import io.reactivewspool.server.OutboundFrame;
import io.reactivewspool.server.WsTransport;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * An in-memory {@link WsTransport} for hub unit tests without sockets: the test pushes client
 * frames, reads what the hub sent, and controls demand (a "client that stops reading" requests
 * nothing).
 */
public final class FakeTransport implements WsTransport {

    private static final WsCodec CODEC = WsCodec.json();

    private final HandshakeInfo handshake;
    private final Sinks.Many<InboundFrame> inbound = Sinks.many().unicast().onBackpressureBuffer();
    private final ConcurrentLinkedQueue<OutboundFrame> sent = new ConcurrentLinkedQueue<>();
    private final AtomicReference<WsCloseStatus> closed = new AtomicReference<>();
    private final boolean reading;
    private volatile Subscription subscription;
    private volatile boolean deadPeer;
    private volatile boolean failSends;
    private volatile Executor executor;
    private final ConcurrentLinkedQueue<String> sendThreads = new ConcurrentLinkedQueue<>();

    public FakeTransport() {
        this(true);
    }

    /** @param reading {@code false}: the "client" never requests frames (a stalled reader) */
    public FakeTransport(boolean reading) {
        this(reading, new HandshakeInfo("/ws", Map.of(), Map.of(), new InetSocketAddress("127.0.0.1", 50000), null));
    }

    public FakeTransport(boolean reading, HandshakeInfo handshake) {
        this.reading = reading;
        this.handshake = handshake;
    }

    @Override
    public HandshakeInfo handshake() {
        return handshake;
    }

    @Override
    public Flux<InboundFrame> receive() {
        return inbound.asFlux();
    }

    /** A peer that vanished: close frames go nowhere and the inbound side never completes. */
    public FakeTransport deadPeer() {
        deadPeer = true;
        return this;
    }

    /** The transport names {@code executor} as its I/O thread ({@link WsTransport#executor()}). */
    public FakeTransport executor(Executor executor) {
        this.executor = executor;
        return this;
    }

    @Override
    public Optional<Executor> executor() {
        return Optional.ofNullable(executor);
    }

    /** Writing fails at once, as on a broken socket. */
    public FakeTransport failSends() {
        failSends = true;
        return this;
    }

    @Override
    public Mono<Void> send(Publisher<OutboundFrame> frames) {
        if (failSends) {
            return Mono.error(new IOException("broken pipe"));
        }
        return Mono.create(sink -> frames.subscribe(new BaseSubscriber<OutboundFrame>() {
            @Override
            protected void hookOnSubscribe(Subscription s) {
                subscription = s;
                if (reading) {
                    s.request(Long.MAX_VALUE);
                }
            }

            @Override
            protected void hookOnNext(OutboundFrame f) {
                sendThreads.add(Thread.currentThread().getName());
                sent.add(f);
            }

            @Override
            protected void hookOnComplete() {
                sink.success();
            }
        }));
    }

    @Override
    public Mono<Void> close(WsCloseStatus status) {
        return Mono.fromRunnable(() -> {
            if (closed.compareAndSet(null, status) && !deadPeer) {
                inbound.tryEmitComplete();
            }
        });
    }

    /** The client sends a text frame. */
    public FakeTransport clientSends(String json) {
        inbound.tryEmitNext(InboundFrame.text(json));
        return this;
    }

    public FakeTransport clientSends(WsMessage m) {
        return clientSends(new String(CODEC.encode(m), StandardCharsets.UTF_8));
    }

    public FakeTransport clientSendsFrame(InboundFrame f) {
        inbound.tryEmitNext(f);
        return this;
    }

    /** The client goes away without a close frame. */
    public void drop() {
        inbound.tryEmitComplete();
    }

    /**
     * The inbound side fails, as a reset socket or a broken frame does, without closing anything;
     * {@code false} when the inbound had already ended (or another signal was being emitted).
     */
    public boolean inboundFails(Throwable error) {
        return inbound.tryEmitError(error).isSuccess();
    }

    /** A stalled client starts reading {@code n} frames. */
    public void request(long n) {
        subscription.request(n);
    }

    /** The name of the thread each frame was handed to the transport on, in order. */
    public List<String> sendThreads() {
        return List.copyOf(sendThreads);
    }

    public List<OutboundFrame> frames() {
        return List.copyOf(sent);
    }

    /** Text messages the hub sent, decoded. */
    public List<WsMessage> messages() {
        return sent.stream().filter(f -> f.kind() == OutboundFrame.Kind.TEXT).map(f -> CODEC.decode(f.payload())).toList();
    }

    public List<WsMessage> messages(String type) {
        return messages().stream().filter(m -> m.is(type)).toList();
    }

    /** The close status the hub sent, or {@code null}. */
    public WsCloseStatus closeStatus() {
        return closed.get();
    }
}
