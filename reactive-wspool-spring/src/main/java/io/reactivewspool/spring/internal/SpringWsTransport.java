package io.reactivewspool.spring.internal;

import io.reactivewspool.message.WsCloseStatus;
import io.reactivewspool.server.HandshakeInfo;
import io.reactivewspool.server.InboundFrame;
import io.reactivewspool.server.OutboundFrame;
import io.reactivewspool.server.WsTransport;
import org.reactivestreams.Publisher;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.WebSocketMessage;
import org.springframework.web.reactive.socket.WebSocketSession;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The hub's transport over a WebFlux {@link WebSocketSession}. Outbound payloads are wrapped, not
 * copied: on Reactor Netty, {@link DataBufferFactory#wrap(byte[])} shares the array, so a broadcast
 * encoded once stays one array for every recipient.
 */
public final class SpringWsTransport implements WsTransport {

    private final WebSocketSession session;
    private final HandshakeInfo handshake;
    private final DataBufferFactory buffers;

    public SpringWsTransport(WebSocketSession session, HandshakeInfo handshake) {
        this.session = session;
        this.handshake = handshake;
        this.buffers = session.bufferFactory();
    }

    @Override
    public HandshakeInfo handshake() {
        return handshake;
    }

    @Override
    public Flux<InboundFrame> receive() {
        // The session releases each payload after onNext returns: copy now, never retain.
        return session.receive().map(message -> new InboundFrame(kind(message.getType()), copy(message.getPayload())));
    }

    @Override
    public Mono<Void> send(Publisher<OutboundFrame> frames) {
        return session.send(Flux.from(frames).map(this::toMessage));
    }

    @Override
    public Mono<Void> close(WsCloseStatus status) {
        return session.close(new CloseStatus(status.code(), status.reason()));
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
