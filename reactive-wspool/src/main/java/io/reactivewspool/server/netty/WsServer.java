package io.reactivewspool.server.netty;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

import io.reactivewspool.internal.netty.InboundGuard;
import io.reactivewspool.internal.netty.NettyHubHandler;
import io.reactivewspool.server.WsHub;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.LoopResources;

/**
 * A Reactor Netty HTTP server for a {@link WsHub}: the hub's WebSocket endpoint at
 * {@link WsServerOptions#path()} and, when enabled, the admin HTTP API under
 * {@value WsServerOptions#ADMIN_PATH}. Upgrades are authenticated and origin-checked by the hub
 * BEFORE the upgrade; a refusal is a plain HTTP 401/403/503 response.
 *
 * <pre>{@code
 * WsHub hub = WsHub.create();
 * WsServer server = WsServer.create(hub, WsServerOptions.builder().port(0).adminToken("SECRET").build())
 *         .bindNow();
 * System.out.println("listening on " + server.url());
 * server.close().block();   // 1001 to every client, then unbinds
 * }</pre>
 *
 * <p>Thread-safe. Bind once.
 */
public final class WsServer {

    private static final Logger log = LoggerFactory.getLogger(WsServer.class);

    private final WsHub hub;
    private final WsServerOptions options;
    private final AtomicReference<DisposableServer> bound = new AtomicReference<>();
    private final AtomicReference<LoopResources> loops = new AtomicReference<>();

    private WsServer(WsHub hub, WsServerOptions options) {
        this.hub = Objects.requireNonNull(hub, "hub");
        this.options = Objects.requireNonNull(options, "options");
    }

    /** A server for the hub with the default options (port {@value WsServerOptions#DEFAULT_PORT}). */
    public static WsServer create(WsHub hub) {
        return new WsServer(hub, WsServerOptions.defaults());
    }

    /** A server for the hub. */
    public static WsServer create(WsHub hub, WsServerOptions options) {
        return new WsServer(hub, options);
    }

    /** Binds; emits this server once it listens. Cold. Errors when already bound or the port is taken. */
    public Mono<WsServer> bind() {
        return Mono.defer(() -> {
            if (bound.get() != null) {
                return Mono.error(new IllegalStateException("server already bound on port " + port()));
            }
            int maxFrame = options.maxFrameBytes() > 0 ? options.maxFrameBytes() : hub.options().maxFrameBytes();
            NettyHubHandler handler = new NettyHubHandler(hub, options, maxFrame);
            HttpServer server = HttpServer.create()
                    .host(options.host())
                    .port(options.port())
                    .doOnChannelInit((observer, channel, remote) -> InboundGuard.install(channel))
                    .handle(handler::handle);
            LoopResources own = options.ioThreads() > 0
                    ? LoopResources.create("wsserver", 1, options.ioThreads(), true) : null;
            if (own != null) {
                server = server.runOn(own);
            }
            return options.customizer().apply(server).bind()
                    .onErrorResume(e -> own == null ? Mono.error(e) : own.disposeLater().then(Mono.error(e)))
                    .map(ds -> {
                        if (!bound.compareAndSet(null, ds)) {
                            ds.disposeNow();
                            if (own != null) {
                                own.dispose();
                            }
                            throw new IllegalStateException("server already bound");
                        }
                        loops.set(own);
                        return ds;
                    });
        }).map(ds -> {
            log.info("wsserver listening url={} admin={}", url(), options.adminEnabled() ? options.adminEnabled() + " path=" + WsServerOptions.ADMIN_PATH : "off");
            return this;
        });
    }

    /** Binds and waits (at most 30 s) until the server listens. Not for event-loop threads. */
    public WsServer bindNow() {
        WsServer s = bind().block(Duration.ofSeconds(30));
        return Objects.requireNonNull(s);
    }

    /** The bound port (the real one when bound on port 0). */
    public int port() {
        DisposableServer ds = bound.get();
        if (ds == null) {
            throw new IllegalStateException("server not bound");
        }
        return ds.port();
    }

    /** The WebSocket URL, for example {@code ws://127.0.0.1:8080/ws}. */
    public String url() {
        String h = options.host();
        if ("0.0.0.0".equals(h) || "::".equals(h)) {
            h = "localhost";
        }
        return "ws://" + h + ":" + port() + options.path();
    }

    /** The hub this server serves. */
    public WsHub hub() {
        return hub;
    }

    /** The options. */
    public WsServerOptions options() {
        return options;
    }

    /**
     * Closes gracefully: the hub closes every connection with 1001 over its drain period (new
     * upgrades get 503 meanwhile), then the server unbinds. Completes when both are done.
     */
    public Mono<Void> close() {
        return hub.close().then(Mono.defer(() -> {
            DisposableServer ds = bound.get();
            if (ds == null) {
                return Mono.empty();
            }
            ds.dispose();
            return ds.onDispose().then(Mono.defer(() -> {
                LoopResources own = loops.getAndSet(null);
                return own == null ? Mono.<Void>empty() : own.disposeLater(Duration.ZERO, Duration.ofSeconds(2));
            })).doOnTerminate(() -> log.info("wsserver stopped port={}", ds.port()));
        }));
    }
}
