package io.reactivewspool.server.netty;

import io.reactivewspool.internal.netty.ReactorNettyWsTransport;
import io.reactivewspool.server.HandshakeInfo;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.server.WsTransport;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;

/**
 * The hub's transport over a Reactor Netty WebSocket that someone else upgraded: an application's own
 * {@code HttpServer} route, or WebFlux on Reactor Netty (the Spring module uses it there). It is the
 * transport of {@link WsServer}'s Reactor Netty engine: broadcasts go out pre-framed through one batch
 * per event loop, inbound fragments are aggregated up to the frame limit, and a longer message is
 * answered with 1009. It empties the upgrade request's and response's header maps: the
 * {@link HandshakeInfo} passed in is what the connection keeps of its upgrade.
 *
 * <pre>{@code
 * HttpServer.create().port(8080)
 *         .route(r -> r.ws("/ws", (in, out) -> hub.serve(
 *                 ReactorNettyTransport.of(handshake, in, out, hub.options().limits().maxFrameBytes()),
 *                 admission)))
 *         .bindNow();
 * }</pre>
 */
public final class ReactorNettyTransport {

    private ReactorNettyTransport() {
    }

    /**
     * A transport for {@link WsHub#serve} over an upgraded connection.
     *
     * @param handshake     the upgrade request, as the hub admitted it
     * @param in            the connection's inbound side
     * @param out           the connection's outbound side
     * @param maxFrameBytes the largest message accepted, after aggregating fragments
     */
    public static WsTransport of(HandshakeInfo handshake, WebsocketInbound in, WebsocketOutbound out, int maxFrameBytes) {
        return new ReactorNettyWsTransport(handshake, in, out, maxFrameBytes);
    }
}
