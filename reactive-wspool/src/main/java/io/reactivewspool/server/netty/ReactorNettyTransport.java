package io.reactivewspool.server.netty;

import java.util.function.Function;

import io.reactivewspool.internal.netty.ReactorNettyTakeover;
import io.reactivewspool.internal.netty.ReactorNettyWsTransport;
import io.reactivewspool.server.HandshakeInfo;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.server.WsTransport;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.WebsocketServerSpec;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;

/**
 * The hub's transport over a Reactor Netty WebSocket that someone else upgraded: an application's own
 * {@code HttpServer} route, or WebFlux on Reactor Netty (the Spring module uses it there). It is the
 * transport of {@link WsServer}'s Reactor Netty engine: broadcasts go out pre-framed through one batch
 * per event loop, inbound fragments are aggregated up to the frame limit, and a longer message is
 * answered with 1009.
 *
 * <p>{@link #serve} takes the connection over from Reactor Netty, as {@link WsServer}'s Reactor Netty engine
 * does: once the 101 is out, the connection is carried by one channel handler (the plain-Netty engine's
 * transport) and Reactor Netty's per-connection objects (its WebSocket operations with the upgrade request
 * and response, about 1.1 KB an idle connection) are left to the garbage collector. {@link #of} keeps the
 * connection on Reactor Netty's inbound and outbound, and empties the upgrade request's and response's header
 * maps. Either way the {@link HandshakeInfo} passed in is what the connection keeps of its upgrade.
 *
 * <pre>{@code
 * HttpServer.create().port(8080)
 *         .route(r -> r.ws("/ws", (in, out) -> ReactorNettyTransport.serve(handshake, in, out,
 *                 hub.options().limits().maxFrameBytes(), transport -> hub.serve(transport, admission))))
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

    /**
     * Serves an upgraded connection through {@code serve}, normally {@code transport -> hub.serve(transport,
     * admission)}, taking it over from Reactor Netty: call it from the {@code sendWebsocket} (or {@code ws}
     * route) handler and return its result from there as it is. Taken over, the connection's transport
     * subscribes to what {@code serve} returns (and closes the connection with 1000 when it completes, as Reactor
     * Netty would), and the result never completes: Reactor Netty no longer tracks the connection, its
     * {@code ConnectionObserver}s still see it go ({@code DISCONNECTING}), and a graceful {@code disposeNow}
     * closes it without waiting, so close the hub first. Where Reactor Netty did not call the handler on the
     * connection's event loop, on HTTP/2, or on a connection already closing, it is served on {@link #of} and
     * the result is what {@code serve} returns.
     *
     * @param handshake     the upgrade request, as the hub admitted it
     * @param in            the connection's inbound side
     * @param out           the connection's outbound side
     * @param maxFrameBytes the largest message accepted, after aggregating fragments
     * @param serve         serves the connection on the hub, given its transport; called once, on the calling thread
     * @return the publisher for Reactor Netty
     */
    public static Publisher<Void> serve(HandshakeInfo handshake, WebsocketInbound in, WebsocketOutbound out, int maxFrameBytes,
                                        Function<? super WsTransport, ? extends Publisher<Void>> serve) {
        return ReactorNettyTakeover.serve(handshake, in, out, maxFrameBytes, serve);
    }

    /**
     * Answers an admitted upgrade request with {@code response.sendWebsocket(..., spec)} and serves the connection
     * through {@link #serve}: what the route returns. It calls {@code sendWebsocket} on the connection's event
     * loop, so that the connection is taken over also when the admission completed on another thread.
     *
     * <pre>{@code
     * return hub.admit(handshake).flatMap(admission -> ReactorNettyTransport.upgrade(response, spec,
     *         handshake.afterUpgrade(), maxFrameBytes, transport -> hub.serve(transport, admission)));
     * }</pre>
     *
     * @param response      the upgrade request's response, not yet sent
     * @param spec          the WebSocket options of the answer (subprotocol, frame limit, compression)
     * @param handshake     the upgrade request, as the hub admitted it
     * @param maxFrameBytes the largest message accepted, after aggregating fragments
     * @param serve         serves the connection on the hub, given its transport
     * @return completes once the 101 is written, as {@code sendWebsocket}'s
     */
    public static Mono<Void> upgrade(HttpServerResponse response, WebsocketServerSpec spec, HandshakeInfo handshake,
                                     int maxFrameBytes, Function<? super WsTransport, ? extends Publisher<Void>> serve) {
        return ReactorNettyTakeover.upgrade(response, spec, handshake, maxFrameBytes, serve);
    }
}
