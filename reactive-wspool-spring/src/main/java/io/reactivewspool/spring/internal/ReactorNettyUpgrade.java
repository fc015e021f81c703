package io.reactivewspool.spring.internal;

import java.util.function.Supplier;

import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.HttpHeaders;
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
 * subscriber and description (the request URI) stay with the connection, about 340 bytes; and for the
 * hub's own handler, which reads nothing of the session's {@link HandshakeInfo}, it does not build
 * Spring's, whose cookies Reactor Netty caches in the connection's request (about 190 bytes).
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
        HandshakeInfo info = handler instanceof WsUpgradeHandler.HubSession
                ? new HandshakeInfo(exchange.getRequest().getURI(), new HttpHeaders(), exchange.getPrincipal(), subProtocol)
                : handshakeInfoFactory.get();
        NettyDataBufferFactory buffers = (NettyDataBufferFactory) response.bufferFactory();
        WebsocketServerSpec spec = subProtocol == null ? noSubprotocol : spec(subProtocol);
        // WebFlux's pre-commit actions (security headers, a saved session) run before the 101, as in Spring's.
        return response.setComplete().then(Mono.defer(() -> nettyResponse.sendWebsocket((in, out) -> handler.handle(
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
