package io.reactivewspool.internal.netty;

import java.util.function.Function;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.ServerChannel;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.reactivewspool.server.HandshakeInfo;
import io.reactivewspool.server.WsTransport;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;
import reactor.netty.NettyPipeline;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.WebsocketServerSpec;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;

/**
 * Carries a WebSocket that Reactor Netty upgraded on with the plain engine's {@link PlainNettyWsTransport},
 * so that the connection keeps nothing of Reactor Netty's for its life: its {@code WebsocketServerOperations}
 * (with the upgrade request and response, their header tables, cookies, connection info, the handshaker, the
 * inbound {@code FluxReceive} and sinks, about 1.1 KB an idle connection) becomes garbage once the 101 is out.
 *
 * <p>Reactor Netty calls the {@code sendWebsocket} handler when the 101 is written and its WebSocket codec
 * is in the pipeline, after it bound its operations to the channel and asked for the first read (which
 * happens after the handler returns, on the same event loop). On that loop the take-over:
 * <ul>
 * <li>unbinds the operations from the channel ({@link Connection#rebind}), so that its bridge handler
 * ({@code reactor.right.reactiveBridge}) finds none. The bridge stays, behind the transport: it still
 * tells the server's {@code ConnectionObserver}s of {@code DISCONNECTING} when the channel goes, as for
 * any channel without operations, and closes on a TLS close_notify;</li>
 * <li>puts the transport just before the bridge, in {@link InboundGuard}'s place when the engine installed
 * one (the transport enforces the same rules: RSV bits, bytes behind the upgrade, deflate bounds). The
 * transport passes no frame and no exception on, so the bridge reads nothing;</li>
 * <li>serves the hub on the transport, which is the subscriber of the hub's {@code serve}, as on the plain
 * engine, and returns {@code Mono.never()} to Reactor Netty, which keeps nothing of it: the operations are
 * never terminated, so they neither close the channel nor answer frames.</li>
 * </ul>
 * Reactor Netty's channel handlers stay as they are: TLS, the WebSocket codec and permessage-deflate, the
 * connection metrics handler (it counts a closed channel without the operations). Its graceful
 * {@code disposeNow} closes such a channel at once instead of waiting for the WebSocket to end: the hub
 * closes its connections with 1001 before the server is disposed.
 *
 * <p>Where Reactor Netty did not call the handler on the channel's event loop (the handshake completed
 * before a caller on another thread subscribed; {@link #upgrade} avoids that by calling {@code sendWebsocket}
 * on the loop), on an HTTP/2 stream, or when the channel is already closing, the connection stays with
 * Reactor Netty on {@link ReactorNettyWsTransport}: a read may have reached its operations already, and
 * only they can hand it on.
 */
public final class ReactorNettyTakeover {

    private ReactorNettyTakeover() {
    }

    /**
     * Serves an upgraded connection through {@code serve} (typically {@code t -> hub.serve(t, admission)}),
     * taken over from Reactor Netty where it can be; the returned publisher is what the {@code sendWebsocket}
     * handler returns, as it is. Call it from the handler.
     */
    public static Publisher<Void> serve(HandshakeInfo handshake, WebsocketInbound in, WebsocketOutbound out, int maxFrameBytes,
                                        Function<? super WsTransport, ? extends Publisher<Void>> serve) {
        PlainNettyWsTransport transport = takeOver(in, handshake, maxFrameBytes);
        if (transport == null) {
            return serve.apply(new ReactorNettyWsTransport(handshake, in, out, maxFrameBytes));
        }
        serve.apply(transport).subscribe(transport);
        transport.channel().config().setAutoRead(true);
        return Mono.never();
    }

    /**
     * Answers the upgrade with {@code spec} and serves the connection through {@link #serve}: {@code sendWebsocket}
     * is called on the connection's event loop (hopping there when the caller is elsewhere, e.g. an admission
     * that completed on another thread), so that Reactor Netty calls the handler there and the connection is
     * taken over. Called elsewhere, Reactor Netty calls the handler on the calling thread whenever the 101 is
     * written before that thread subscribed to the handshake: 10 of 200 such connections stayed with Reactor
     * Netty in one run on a loaded machine.
     */
    public static Mono<Void> upgrade(HttpServerResponse response, WebsocketServerSpec spec, HandshakeInfo handshake,
                                     int maxFrameBytes, Function<? super WsTransport, ? extends Publisher<Void>> serve) {
        Channel[] channel = {null};
        response.withConnection(c -> channel[0] = c.channel());
        EventLoop loop = channel[0].eventLoop();
        Mono<Void> upgrade = Mono.defer(() -> response.sendWebsocket(
                (in, out) -> serve(handshake, in, out, maxFrameBytes, serve), spec));
        return Mono.defer(() -> loop.inEventLoop() ? upgrade : upgrade.subscribeOn(Schedulers.fromExecutor(loop)));
    }

    /** The transport now in the pipeline, or {@code null} when the connection stays with Reactor Netty. */
    private static PlainNettyWsTransport takeOver(WebsocketInbound in, HandshakeInfo handshake, int maxFrameBytes) {
        Connection[] bound = {null};
        in.withConnection(c -> bound[0] = c);
        Connection operations = bound[0];
        Channel channel = operations.channel();
        ChannelPipeline pipeline = channel.pipeline();
        if (!channel.eventLoop().inEventLoop() || !channel.isActive() || !(channel.parent() instanceof ServerChannel)
                || pipeline.get(NettyPipeline.ReactiveBridge) == null || pipeline.get(WebSocketFrameDecoder.class) == null
                || !operations.rebind(new Unbound(channel))) {
            return null;
        }
        PlainNettyWsTransport transport = new PlainNettyWsTransport(channel, handshake, maxFrameBytes);
        if (pipeline.get(InboundGuard.NAME) != null) {
            pipeline.replace(InboundGuard.NAME, PlainNettyWsTransport.NAME, transport);
        } else {
            pipeline.addBefore(NettyPipeline.ReactiveBridge, PlainNettyWsTransport.NAME, transport);
        }
        return transport;
    }

    /**
     * What the channel is bound to instead of the operations: a plain {@link Connection}, what Reactor Netty
     * binds to a channel that never had operations (its own is not public).
     */
    private record Unbound(Channel channel) implements Connection {
    }
}
