package io.reactivewspool.spring.internal;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBufAllocator;
import io.reactivewspool.internal.netty.ReactorNettyWsTransport;
import io.reactivewspool.server.WsTransport;
import org.apache.commons.logging.LogFactory;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.socket.HandshakeInfo;
import org.springframework.web.reactive.socket.adapter.AbstractWebSocketSession;
import org.springframework.web.reactive.socket.adapter.ReactorNettyWebSocketSession;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * On Reactor Netty, a WebFlux session is served by the standalone engine's transport (pre-framed
 * broadcasts, per-event-loop batching) over the session's own Reactor Netty inbound and outbound.
 */
class SpringWsTransportIT {

    private static final Duration T = Duration.ofSeconds(10);

    @Test
    void aReactorNettySessionIsServedByTheEnginesTransport() throws Exception {
        // Loaded here, not on the event loop, where BlockHound reports reading their jars.
        LogFactory.getLog(AbstractWebSocketSession.class);
        for (Class<?> c : List.of(ReactorNettyWebSocketSession.class, ReactorNettyWebSocketSession.WebSocketConnection.class,
                SpringWsTransport.class, ReactorNettyWsTransport.class)) {
            Class.forName(c.getName(), true, c.getClassLoader());
        }
        HandshakeInfo info = new HandshakeInfo(URI.create("ws://127.0.0.1/ws"), new HttpHeaders(), Mono.empty(), null);
        NettyDataBufferFactory buffers = new NettyDataBufferFactory(ByteBufAllocator.DEFAULT);
        CompletableFuture<WsTransport> chosen = new CompletableFuture<>();
        DisposableServer server = HttpServer.create().host("127.0.0.1").port(0)
                .route(r -> r.ws("/ws", (in, out) -> {
                    ReactorNettyWebSocketSession session = new ReactorNettyWebSocketSession(in, out, info, buffers, 65_536);
                    chosen.complete(SpringWsTransport.over(session, null, 65_536));
                    return out.sendClose(1000, "done");
                }))
                .bindNow(T);
        try {
            HttpClient.create().websocket().uri("ws://127.0.0.1:" + server.port() + "/ws")
                    .handle((in, out) -> in.receiveCloseStatus()).next().block(T);
            assertThat(chosen.get(T.toSeconds(), TimeUnit.SECONDS)).isInstanceOf(ReactorNettyWsTransport.class)
                    .isNotInstanceOf(SpringWsTransport.class);
        } finally {
            server.disposeNow(T);
        }
    }
}
