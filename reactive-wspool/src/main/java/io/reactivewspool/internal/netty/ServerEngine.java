package io.reactivewspool.internal.netty;

import io.reactivewspool.server.WsHub;
import io.reactivewspool.server.netty.WsServerOptions;
import reactor.core.publisher.Mono;
import reactor.netty.http.HttpResources;
import reactor.netty.resources.LoopResources;

/**
 * What listens for {@code WsServer}: Reactor Netty's {@code HttpServer} or plain Netty. Both serve
 * the hub's WebSocket path, the admin API and the same refusals, on the same event loops.
 */
public interface ServerEngine {

    /**
     * The engine the options choose.
     *
     * @param loops the server's own event loops, or {@code null} for Reactor Netty's shared ones
     */
    static ServerEngine of(WsHub hub, WsServerOptions options, LoopResources loops) {
        int maxFrame = options.maxFrameBytes() > 0 ? options.maxFrameBytes() : hub.options().limits().maxFrameBytes();
        return switch (options.engine()) {
            case REACTOR_NETTY -> new ReactorNettyEngine(hub, options, maxFrame, loops);
            case NETTY -> new PlainNettyEngine(hub, options, maxFrame, loops == null ? HttpResources.get() : loops);
        };
    }

    /** Binds; emits once the server listens. Cold. */
    Mono<Listening> bind();

    /** A bound server socket. */
    interface Listening {

        /** The bound port. */
        int port();

        /** Stops accepting connections; completes when the server socket is closed. Open connections stay. */
        Mono<Void> unbind();
    }
}
