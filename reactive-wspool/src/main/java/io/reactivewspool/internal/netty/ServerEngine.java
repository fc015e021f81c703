package io.reactivewspool.internal.netty;

import io.reactivewspool.server.WsHub;
import io.reactivewspool.server.netty.WsServerOptions;
import reactor.core.publisher.Mono;
import reactor.netty.resources.LoopResources;

/**
 * What listens for {@code WsServer}: Reactor Netty's {@code HttpServer}.
 */
public interface ServerEngine {

    /**
     * The engine the options choose.
     *
     * @param loops the server's own event loops, or {@code null} for Reactor Netty's shared ones
     */
    static ServerEngine of(WsHub hub, WsServerOptions options, LoopResources loops) {
        int maxFrame = options.maxFrameBytes() > 0 ? options.maxFrameBytes() : hub.options().maxFrameBytes();
        return new ReactorNettyEngine(hub, options, maxFrame, loops);
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
