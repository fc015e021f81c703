package io.reactivewspool.spring.internal;

import java.util.function.Supplier;

import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.web.reactive.socket.HandshakeInfo;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.adapter.ReactorNettyWebSocketSession;
import org.springframework.web.reactive.socket.server.RequestUpgradeStrategy;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.WebsocketServerSpec;

/**
 * The upgrade on Reactor Netty: Spring's {@code ReactorNettyRequestUpgradeStrategy} without what an idle
 * connection would keep for its whole life. Spring's wraps the handler in a {@code checkpoint} whose
 * subscriber and description (the request URI) stay with the connection, about 340 bytes. The hub's own
 * handler gets no WebFlux session at all: once the 101 is out, {@code ReactorNettyTransport.serve} takes the
 * connection over from Reactor Netty, whose per-connection objects (the upgrade request and response, the
 * WebSocket operations, about 1.1 KB) are then garbage. The upgrade request has been through WebFlux's
 * {@code WebFilter} chain (Spring Security) before, and the exchange ends with the 101, as with Spring's.
 */
final class ReactorNettyUpgrade implements RequestUpgradeStrategy {

    private final int maxFrameBytes;
    private final boolean compression;
    private final WebsocketServerSpec noSubprotocol;

    ReactorNettyUpgrade(int maxFrameBytes, boolean compression) {
        this.maxFrameBytes = maxFrameBytes;
        this.compression = compression;
        this.noSubprotocol = spec(null);
    }

    @Override
    public Mono<Void> upgrade(ServerWebExchange exchange, WebSocketHandler handler, String subProtocol,
                              Supplier<HandshakeInfo> handshakeInfoFactory) {
        ServerHttpResponse response = exchange.getResponse();
        HttpServerResponse nettyResponse = ServerHttpResponseDecorator.getNativeResponse(response);
        WebsocketServerSpec spec = subProtocol == null ? noSubprotocol : spec(subProtocol);
        // WebFlux's pre-commit actions (security headers, a saved session) run before the 101, as in Spring's.
        Mono<Void> committed = response.setComplete();
        if (handler instanceof WsUpgradeHandler.HubSession hub) {
            // The hub's own handler reads nothing of a WebSocketSession: the hub takes the connection over from Reactor Netty.
            return committed.then(Mono.defer(() -> hub.upgrade(nettyResponse, spec)));
        }
        HandshakeInfo info = handshakeInfoFactory.get();
        NettyDataBufferFactory buffers = (NettyDataBufferFactory) response.bufferFactory();
        return committed.then(Mono.defer(() -> nettyResponse.sendWebsocket((in, out) -> handler.handle(
                new ReactorNettyWebSocketSession(in, out, info, buffers, spec.maxFramePayloadLength())), spec)));
    }

    private WebsocketServerSpec spec(String subprotocol) {
        WebsocketServerSpec.Builder b = WebsocketServerSpec.builder()
                .maxFramePayloadLength(maxFrameBytes)
                .compress(compression)
                // A deflated frame is inflated only up to the limit: a small frame must not cost what it inflates to.
                .maxDecompressionBufferSize(maxFrameBytes)
                .handlePing(true);
        if (subprotocol != null) {
            b.protocols(subprotocol);
        }
        return b.build();
    }
}
