package io.reactivewspool.internal.netty;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.extensions.compression.WebSocketServerCompressionHandler;
import io.reactivewspool.internal.LogLimiter;
import io.reactivewspool.server.AdminHttpApi;
import io.reactivewspool.server.Dashboard;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.server.netty.WsServerOptions;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.netty.resources.LoopResources;

/**
 * The {@link ServerEngine} on plain Netty: what a connection keeps is Netty's channel and
 * WebSocket codec, one {@link PlainNettyWsTransport} and the {@link FrameWriter}, nothing of Reactor
 * Netty. Serves what {@link ReactorNettyHttpHandler} serves ({@link PlainNettyHttpHandler} has the routes), on
 * Reactor Netty's event loops, so both engines share threads and the native transport choice.
 *
 * <p>Pipeline of a new connection: {@code HttpServerCodec}, {@link RequestDeadline}, (with
 * compression) Netty's permessage-deflate negotiation, {@link PlainNettyHttpHandler}. After the 101: {@code wsencoder},
 * {@code wsdecoder}, (with compression) the deflate encoder and decoder, {@link PlainNettyWsTransport},
 * {@link FrameWriter}.
 */
final class PlainNettyEngine implements ServerEngine {

    static final String DEFLATE = "wspool.deflate";
    static final String TLS = "wspool.tls";
    private static final AdaptiveRecvByteBufAllocator RECEIVE_BUFFERS = new AdaptiveRecvByteBufAllocator();

    private final WsServerOptions options;
    private final LoopResources loops;
    private final Routes routes;

    PlainNettyEngine(WsHub hub, WsServerOptions options, int maxFrameBytes, LoopResources loops) {
        this.options = options;
        this.loops = loops;
        WebSocketDecoderConfig decoder = WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(maxFrameBytes)
                // Without a negotiated extension a frame with RSV bits is a protocol error the decoder
                // answers with 1002; with compression on, PlainNettyWsTransport checks what deflate leaves.
                .allowExtensions(options.compression())
                .build();
        this.routes = new Routes(hub, new AdminHttpApi(hub.admin(), options.adminAuthenticator()), options,
                maxFrameBytes, new SubprotocolHandshakers(options.path(), decoder, hub),
                new LogLimiter(10, TimeUnit.SECONDS), options.dashboard() ? Dashboard.load() : null);
    }

    /** What every connection of this server shares. */
    record Routes(WsHub hub, AdminHttpApi adminApi, WsServerOptions options, int maxFrameBytes,
                  SubprotocolHandshakers handshakers, LogLimiter timedOutLog, Dashboard dashboard) {
    }

    @Override
    public Mono<Listening> bind() {
        return Mono.create(sink -> {
            // Reactor Netty's own defaults (reactor.netty.native, SO_REUSEADDR, TCP_NODELAY): both
            // engines run on the same transport, epoll where it is available.
            boolean preferNative = LoopResources.DEFAULT_NATIVE;
            EventLoopGroup acceptors = loops.onServerSelect(preferNative);
            EventLoopGroup workers = loops.onServer(preferNative);
            ChannelFuture bound = new ServerBootstrap()
                    .group(acceptors, workers)
                    .channel(loops.onChannelClass(ServerSocketChannel.class, acceptors))
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    // One allocator for all connections (each still gets its own handle): Netty would
                    // give every connection an instance of its own, 32 bytes it keeps for its whole life.
                    .childOption(ChannelOption.RCVBUF_ALLOCATOR, RECEIVE_BUFFERS)
                    .childHandler(new Connections(routes))
                    .bind(options.host(), options.port());
            bound.addListener(f -> done(sink, bound));
        });
    }

    private static void done(MonoSink<Listening> sink, ChannelFuture bound) {
        if (bound.isSuccess()) {
            sink.success(new Bound(bound.channel()));
        } else {
            sink.error(bound.cause());
        }
    }

    /** Sets up each accepted connection; shared by all of them. */
    private static final class Connections extends ChannelInitializer<Channel> {

        private final Routes routes;

        Connections(Routes routes) {
            this.routes = routes;
        }

        @Override
        protected void initChannel(Channel ch) {
            ChannelPipeline p = ch.pipeline();
            if (routes.options().tls() != null) {
                p.addLast(TLS, routes.options().tls().newHandler(ch.alloc()));
            }
            p.addLast(PlainNettyHttpHandler.CODEC, new HttpServerCodec());
            p.addLast(RequestDeadline.NAME, new RequestDeadline(routes.options().requestTimeout().toNanos(), routes.timedOutLog()));
            if (routes.options().compression()) {
                // Sees the upgrade request on its way to the router and answers the negotiation in the 101;
                // then it puts the deflate codec in its place and leaves. Its decoder inflates a frame
                // only up to the frame limit: a small frame must not cost what it inflates to.
                p.addLast(DEFLATE, new WebSocketServerCompressionHandler(routes.maxFrameBytes()));
            }
            p.addLast(PlainNettyHttpHandler.NAME, new PlainNettyHttpHandler(routes, ch));
        }
    }

    private record Bound(Channel server) implements Listening {

        @Override
        public int port() {
            return ((InetSocketAddress) server.localAddress()).getPort();
        }

        @Override
        public Mono<Void> unbind() {
            return Mono.create(sink -> server.close().addListener(f -> sink.success()));
        }
    }
}
