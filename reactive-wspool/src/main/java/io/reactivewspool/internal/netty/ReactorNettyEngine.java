package io.reactivewspool.internal.netty;

import java.util.concurrent.TimeUnit;

import io.reactivewspool.internal.LogLimiter;
import io.reactivewspool.server.Dashboard;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.server.netty.WsServerOptions;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.LoopResources;

/** The {@link ServerEngine} on Reactor Netty's {@code HttpServer}, routed by {@link ReactorNettyHttpHandler}. */
final class ReactorNettyEngine implements ServerEngine {

    private final WsHub hub;
    private final WsServerOptions options;
    private final int maxFrameBytes;
    private final LoopResources loops;
    private final long requestTimeoutNanos;
    private final Dashboard dashboard;
    private final LogLimiter timedOutLog = new LogLimiter(10, TimeUnit.SECONDS);

    ReactorNettyEngine(WsHub hub, WsServerOptions options, int maxFrameBytes, LoopResources loops) {
        this.hub = hub;
        this.options = options;
        this.maxFrameBytes = maxFrameBytes;
        this.loops = loops;
        this.requestTimeoutNanos = options.requestTimeout().toNanos();
        // Read here, on the thread that builds the server: bind() may run on an event loop.
        this.dashboard = options.dashboard() ? Dashboard.load() : null;
    }

    @Override
    public Mono<Listening> bind() {
        return Mono.defer(() -> {
            ReactorNettyHttpHandler handler = new ReactorNettyHttpHandler(hub, options, maxFrameBytes, dashboard);
            HttpServer server = HttpServer.create()
                    .host(options.host())
                    .port(options.port())
                    .doOnChannelInit((observer, channel, remote) -> {
                        InboundGuard.install(channel);
                        RequestDeadline.install(channel, requestTimeoutNanos, timedOutLog);
                    })
                    .handle(handler::handle);
            if (loops != null) {
                server = server.runOn(loops);
            }
            if (options.tls() != null) {
                server = server.secure(spec -> spec.sslContext(options.tls()));
            }
            return options.customizer().apply(server).bind().map(Bound::new);
        });
    }

    private record Bound(DisposableServer server) implements Listening {

        @Override
        public int port() {
            return server.port();
        }

        @Override
        public Mono<Void> unbind() {
            server.dispose();
            return server.onDispose();
        }
    }
}
