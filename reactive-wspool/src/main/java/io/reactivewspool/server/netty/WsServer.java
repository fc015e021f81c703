package io.reactivewspool.server.netty;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

import io.reactivewspool.internal.netty.ServerEngine;
import io.reactivewspool.server.AdminHttpApi;
import io.reactivewspool.server.WsHub;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.netty.resources.LoopResources;

/**
 * An HTTP server for a {@link WsHub}: the hub's WebSocket endpoint at
 * {@link WsServerOptions#path()} and, when enabled, the admin HTTP API under
 * {@value AdminHttpApi#BASE_PATH}. Upgrades are authenticated and origin-checked by the hub
 * BEFORE the upgrade; a refusal is a plain HTTP 401/403/503 response. Runs on Reactor Netty's
 * {@code HttpServer} or, with {@link WsServerOptions.Engine#NETTY}, on plain Netty.
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
    private final AtomicReference<ServerEngine.Listening> bound = new AtomicReference<>();
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
            LoopResources own = options.ioThreads() > 0
                    ? LoopResources.create("wsserver", 1, options.ioThreads(), true) : null;
            return ServerEngine.of(hub, options, own).bind()
                    .onErrorResume(e -> own == null ? Mono.error(e) : own.disposeLater().then(Mono.error(e)))
                    .flatMap(listening -> {
                        if (!bound.compareAndSet(null, listening)) {
                            Mono<Void> undo = listening.unbind();
                            if (own != null) {
                                undo = undo.then(own.disposeLater());
                            }
                            return undo.then(Mono.error(new IllegalStateException("server already bound")));
                        }
                        loops.set(own);
                        return Mono.just(listening);
                    });
        }).map(listening -> {
            log.info("wsserver listening url={} engine={} admin={}", url(), options.engine(),
                    options.adminEnabled() ? options.adminEnabled() + " path=" + AdminHttpApi.BASE_PATH : "off");
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
        ServerEngine.Listening l = bound.get();
        if (l == null) {
            throw new IllegalStateException("server not bound");
        }
        return l.port();
    }

    /** The WebSocket URL, for example {@code ws://127.0.0.1:8080/ws}. */
    public String url() {
        String h = options.host();
        if ("0.0.0.0".equals(h) || "::".equals(h)) {
            h = "localhost";
        }
        return (options.tls() == null ? "ws://" : "wss://") + h + ":" + port() + options.path();
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
            ServerEngine.Listening l = bound.get();
            if (l == null) {
                return Mono.empty();
            }
            return l.unbind().then(Mono.defer(() -> {
                LoopResources own = loops.getAndSet(null);
                return own == null ? Mono.<Void>empty() : own.disposeLater(Duration.ZERO, Duration.ofSeconds(2));
            })).doOnTerminate(() -> log.info("wsserver stopped port={}", l.port()));
        }));
    }
}
