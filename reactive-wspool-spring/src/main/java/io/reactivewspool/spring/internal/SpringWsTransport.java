package io.reactivewspool.spring.internal;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import io.reactivewspool.message.WsCloseStatus;
import io.reactivewspool.server.HandshakeInfo;
import io.reactivewspool.server.InboundFrame;
import io.reactivewspool.server.OutboundFrame;
import io.reactivewspool.server.WsFrameTooLargeException;
import io.reactivewspool.server.WsTransport;
import io.reactivewspool.server.netty.NettyFrameLimit;
import io.reactivewspool.server.netty.ReactorNettyTransport;
import org.reactivestreams.Publisher;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.WebSocketMessage;
import org.springframework.web.reactive.socket.WebSocketSession;
import org.springframework.web.reactive.socket.adapter.ReactorNettyWebSocketSession;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The hub's transport over a WebFlux {@link WebSocketSession}, for the servers other than Reactor Netty:
 * on Reactor Netty, {@link #over} hands the session's own Reactor Netty inbound and outbound to the
 * standalone engine's transport ({@link ReactorNettyTransport}). Outbound payloads are wrapped, not copied:
 * {@link DataBufferFactory#wrap(byte[])} shares the array, so a broadcast encoded once stays one array
 * for every recipient.
 */
public final class SpringWsTransport implements WsTransport {

    private final WebSocketSession session;
    private final HandshakeInfo handshake;
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

    private final DataBufferFactory buffers;
    private final Sinks.Empty<Void> closing = Sinks.empty();

    /** For a session of a server other than Reactor Netty; {@link #over} decides. */
    SpringWsTransport(WebSocketSession session, HandshakeInfo handshake) {
        this.session = session;
        this.handshake = handshake;
        this.buffers = session.bufferFactory();
    }

    /**
     * The Reactor Netty connection under a Reactor Netty session. Spring keeps it behind a protected
     * accessor; without it (another Spring version or server) this is {@code null} and the session's own
     * API is used.
     */
    private static ReactorNettyWebSocketSession.WebSocketConnection reactorNettyConnection(WebSocketSession session) {
        return session instanceof ReactorNettyWebSocketSession
                && NativeSession.of(session) instanceof ReactorNettyWebSocketSession.WebSocketConnection wc ? wc : null;
    }

    /**
     * The transport for an upgraded session: on Reactor Netty the engine's own, which writes pre-framed
     * broadcasts through its per-event-loop batching and aggregates inbound frames up to
     * {@code maxFrameBytes} itself; on any other server this class.
     */
    public static WsTransport over(WebSocketSession session, HandshakeInfo handshake, int maxFrameBytes) {
        ReactorNettyWebSocketSession.WebSocketConnection connection = reactorNettyConnection(session);
        return connection != null
                ? ReactorNettyTransport.of(handshake, connection.getInbound(), connection.getOutbound(), maxFrameBytes)
                : new SpringWsTransport(session, handshake);
    }

    @Override
    public HandshakeInfo handshake() {
        return handshake;
    }

    @Override
    public Flux<InboundFrame> receive() {
        // The session releases each payload after onNext returns: copy now, never retain.
        // Spring aggregates fragments up to the frame limit; a longer message fails the stream with
        // Netty's TooLongFrameException, a deflated one that inflates past it with its bounded decoder's
        // DecompressionException: the hub answers both with 1009.
        // The hub's own close ends the stream at once, as on Reactor Netty: the connection is gone for the
        // hub while its close frame may still wait behind data the client has not read yet.
        return session.receive().map(message -> new InboundFrame(kind(message.getType()), copy(message.getPayload())))
                .onErrorMap(NettyFrameLimit::exceededBy, e -> new WsFrameTooLargeException(
                        "message larger than the maximum frame size", e))
                .takeUntilOther(closing.asMono());
    }

    @Override
    public Mono<Void> send(Publisher<OutboundFrame> frames) {
        return session.send(Flux.from(frames).map(this::toMessage));
    }

    @Override
    public Mono<Void> close(WsCloseStatus status) {
        Mono<Void> close = Mono.defer(() -> {
            if (!session.isOpen()) {
                closing.tryEmitEmpty();
                return Mono.<Void>empty();
            }
            // The close frame is under way before receive() ends: WebFlux closes a session whose handler
            // completed with 1000, which must not overtake this status.
            CompletableFuture<Void> sent = session.close(new CloseStatus(status.code(), status.reason())).toFuture();
            closing.tryEmitEmpty();
            return Mono.fromFuture(sent);
        });
        // The close frame queues behind unwritten data: a client that stopped reading would hold the
        // connection open forever, so it ends abruptly a grace period later, as on Reactor Netty.
        Runnable abort = NativeSession.abort(session);
        return abort == null ? close : close.timeout(CLOSE_GRACE, Mono.fromRunnable(abort));
    }

    private WebSocketMessage toMessage(OutboundFrame frame) {
        DataBuffer payload = buffers.wrap(frame.payload());
        return switch (frame.kind()) {
            case TEXT -> new WebSocketMessage(WebSocketMessage.Type.TEXT, payload);
            case BINARY -> new WebSocketMessage(WebSocketMessage.Type.BINARY, payload);
            case PING -> new WebSocketMessage(WebSocketMessage.Type.PING, payload);
            case PONG -> new WebSocketMessage(WebSocketMessage.Type.PONG, payload);
        };
    }

    private static InboundFrame.Kind kind(WebSocketMessage.Type type) {
        return switch (type) {
            case TEXT -> InboundFrame.Kind.TEXT;
            case BINARY -> InboundFrame.Kind.BINARY;
            case PING -> InboundFrame.Kind.PING;
            case PONG -> InboundFrame.Kind.PONG;
        };
    }

    private static byte[] copy(DataBuffer buffer) {
        byte[] bytes = new byte[buffer.readableByteCount()];
        buffer.read(bytes);
        return bytes;
    }
}
