package io.reactivewspool.server.netty;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;

import javax.net.ssl.SSLException;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.reactivewspool.internal.OptionRange;
import io.reactivewspool.server.AdminAuthenticator;
import io.reactivewspool.server.AdminHttpApi;
import io.reactivewspool.server.LimitSpec;
import reactor.netty.http.server.HttpServer;

/**
 * Immutable configuration of a {@link WsServer}.
 *
 * <table>
 * <caption>Options</caption>
 * <tr><th>option</th><th>default</th><th>range</th></tr>
 * <tr><td>host</td><td>{@value #DEFAULT_HOST}</td><td>a host name or address to bind</td></tr>
 * <tr><td>port</td><td>{@value #DEFAULT_PORT}</td><td>0 (ephemeral) .. 65535</td></tr>
 * <tr><td>path</td><td>{@value #DEFAULT_PATH}</td><td>starts with '/'</td></tr>
 * <tr><td>maxFrameBytes</td><td>0: the hub's {@code maxFrameBytes}</td><td>0, or 128 .. 16 MiB</td></tr>
 * <tr><td>compression (permessage-deflate)</td><td>false</td><td></td></tr>
 * <tr><td>tls</td><td>none: {@code ws://}</td><td>a server {@code SslContext}, or PEM certificate and key files:
 * {@code wss://} on both engines</td></tr>
 * <tr><td>adminEnabled</td><td>true</td><td>serve the admin API under {@value AdminHttpApi#BASE_PATH}</td></tr>
 * <tr><td>dashboard</td><td>false</td><td>serve the operator {@link io.reactivewspool.server.Dashboard} at
 * {@value AdminHttpApi#BASE_PATH}/dashboard/; needs adminEnabled</td></tr>
 * <tr><td>adminAuthenticator</td><td>{@link AdminAuthenticator#denyAll()}: every admin request gets 403</td><td></td></tr>
 * <tr><td>ioThreads</td><td>0: Reactor Netty's shared event loops (max(cores, 4))</td><td>0 .. 1024; n gives the
 * server n event loops of its own, closed with it (one per core the process may use is the fastest)</td></tr>
 * <tr><td>engine</td><td>{@link Engine#REACTOR_NETTY}</td><td>{@link Engine#NETTY}: plain Netty, less memory per
 * connection, no customizer</td></tr>
 * <tr><td>customizer</td><td>identity</td><td>applied to the {@code HttpServer} last; Reactor Netty engine only</td></tr>
 * <tr><td>requestTimeout</td><td>{@link #DEFAULT_REQUEST_TIMEOUT} (10 s)</td><td>10 ms .. 10 min; both engines: a
 * connection without a complete HTTP request that long after the accept (or its last answer) is closed</td></tr>
 * </table>
 *
 * <pre>{@code
 * WsServerOptions options = WsServerOptions.builder().port(8080).engine(WsServerOptions.Engine.NETTY).build();
 * }</pre>
 *
 * <p>Immutable and thread-safe; {@link #mutate()} gives a pre-filled builder.
 */
public final class WsServerOptions {

    public static final String DEFAULT_HOST = "0.0.0.0";
    public static final int DEFAULT_PORT = 8080;
    public static final String DEFAULT_PATH = "/ws";
    /** Default {@code requestTimeout}: 10 s. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);

    private final String host;
    private final int port;
    private final String path;
    private final int maxFrameBytes;
    private final boolean compression;
    private final int ioThreads;
    private final boolean adminEnabled;
    private final AdminAuthenticator adminAuthenticator;
    private final Engine engine;
    private final Function<HttpServer, HttpServer> customizer;
    private final Duration requestTimeout;
    private final SslContext tls;
    private final boolean dashboard;

    /**
     * What carries the server's connections. Both serve the same protocol, routes, refusals and
     * admin API on the same event loops ({@link #ioThreads()}).
     */
    public enum Engine {
        /** Reactor Netty's {@code HttpServer}; the {@link Builder#customizer customizer} applies to it. */
        REACTOR_NETTY,
        /**
         * Plain Netty: an idle connection keeps only Netty's channel, WebSocket codec and one small
         * handler, none of Reactor Netty's per-connection objects (over 1 KB per connection), for
         * servers that hold many mostly idle connections. Takes no {@code customizer}, so nothing
         * that needs one (Reactor Netty's metrics, wiretap); {@link Builder#tls TLS} it serves.
         */
        NETTY
    }

    private WsServerOptions(Builder b) {
        host = b.host;
        port = b.port;
        path = b.path;
        maxFrameBytes = b.maxFrameBytes;
        compression = b.compression;
        ioThreads = b.ioThreads;
        adminEnabled = b.adminEnabled;
        adminAuthenticator = b.adminAuthenticator;
        engine = b.engine;
        customizer = b.customizer;
        requestTimeout = b.requestTimeout;
        tls = b.tls;
        dashboard = b.dashboard;
    }

    public static WsServerOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder mutate() {
        Builder b = new Builder();
        b.host = host;
        b.port = port;
        b.path = path;
        b.maxFrameBytes = maxFrameBytes;
        b.compression = compression;
        b.ioThreads = ioThreads;
        b.adminEnabled = adminEnabled;
        b.adminAuthenticator = adminAuthenticator;
        b.engine = engine;
        b.customizer = customizer;
        b.requestTimeout = requestTimeout;
        b.tls = tls;
        b.dashboard = dashboard;
        return b;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public String path() {
        return path;
    }

    /** The frame limit for the transport, or 0 to use the hub's. */
    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    public boolean compression() {
        return compression;
    }

    /** The server's own event loop count, or 0 for Reactor Netty's shared loops. */
    public int ioThreads() {
        return ioThreads;
    }

    public boolean adminEnabled() {
        return adminEnabled;
    }

    public AdminAuthenticator adminAuthenticator() {
        return adminAuthenticator;
    }

    /** The engine that carries the connections; {@link Engine#REACTOR_NETTY} by default. */
    public Engine engine() {
        return engine;
    }

    /** The Reactor Netty server's customization; identity when none was set. */
    public Function<HttpServer, HttpServer> customizer() {
        return customizer == null ? Function.identity() : customizer;
    }

    /**
     * How long a connection may take to send a complete HTTP request (an upgrade or an admin
     * call), counted from the accept and again from each answer on a kept-alive connection; then
     * it is closed. An upgrade in admission and a WebSocket are not timed by it.
     */
    public Duration requestTimeout() {
        return requestTimeout;
    }

    /** The server-side TLS context, or {@code null}: the server speaks {@code ws://}. */
    public SslContext tls() {
        return tls;
    }

    /** Whether the operator dashboard is served at {@value AdminHttpApi#BASE_PATH}/dashboard/. */
    public boolean dashboard() {
        return dashboard;
    }

    /** Builds {@link WsServerOptions}. Not thread-safe. */
    public static final class Builder {
        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;
        private String path = DEFAULT_PATH;
        private int maxFrameBytes;
        private boolean compression;
        private int ioThreads;
        private boolean adminEnabled = true;
        private AdminAuthenticator adminAuthenticator = AdminAuthenticator.denyAll();
        private Engine engine = Engine.REACTOR_NETTY;
        /** {@code null} until set: with the plain engine a customizer is an error, identity or not. */
        private Function<HttpServer, HttpServer> customizer;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        private SslContext tls;
        private boolean dashboard;

        private Builder() {
        }

        public Builder host(String v) {
            Objects.requireNonNull(v, "host");
            if (v.isBlank()) {
                throw new IllegalArgumentException("host must not be blank, was '" + v + "'");
            }
            host = v;
            return this;
        }

        public Builder port(int v) {
            port = OptionRange.between("port", v, 0, 65535);
            return this;
        }

        public Builder path(String v) {
            Objects.requireNonNull(v, "path");
            if (!v.startsWith("/") || v.contains("?") || v.contains(" ")) {
                throw new IllegalArgumentException("path must start with '/' and contain no '?' or space, was '" + v + "'");
            }
            path = v;
            return this;
        }

        public Builder maxFrameBytes(int v) {
            if (v != 0 && (v < LimitSpec.MIN_FRAME_BYTES || v > LimitSpec.MAX_FRAME_BYTES)) {
                throw new IllegalArgumentException("maxFrameBytes must be 0 or between " + LimitSpec.MIN_FRAME_BYTES + " and "
                        + LimitSpec.MAX_FRAME_BYTES + ", was " + v);
            }
            maxFrameBytes = v;
            return this;
        }

        public Builder compression(boolean v) {
            compression = v;
            return this;
        }

        /**
         * Event loops of the server's own (0: Reactor Netty's shared ones). One per core the
         * process may use avoids handing writes between loops that share a core.
         */
        public Builder ioThreads(int v) {
            ioThreads = OptionRange.between("ioThreads", v, 0, 1024);
            return this;
        }

        public Builder adminEnabled(boolean v) {
            adminEnabled = v;
            return this;
        }

        /** Who may use the admin API; {@code null} means nobody (403). */
        public Builder adminAuthenticator(AdminAuthenticator v) {
            adminAuthenticator = v == null ? AdminAuthenticator.denyAll() : v;
            return this;
        }

        /** Admits admin requests carrying {@code Authorization: Bearer <token>}. */
        public Builder adminToken(String token) {
            return adminAuthenticator(AdminAuthenticator.bearer(token));
        }

        /** What carries the connections (default {@link Engine#REACTOR_NETTY}). */
        public Builder engine(Engine v) {
            engine = Objects.requireNonNull(v, "engine");
            return this;
        }

        /**
         * A last customization of the Reactor Netty server (metrics, TLS, wiretap...). Only for
         * {@link Engine#REACTOR_NETTY}: {@link #build()} refuses it with {@link Engine#NETTY}.
         */
        public Builder customizer(Function<HttpServer, HttpServer> v) {
            customizer = Objects.requireNonNull(v, "customizer");
            return this;
        }

        /**
         * How long a connection may take to send a complete HTTP request (default
         * {@link WsServerOptions#DEFAULT_REQUEST_TIMEOUT}, 10 ms .. 10 min): a client that sends its headers a
         * byte at a time, or nothing, is closed then, on both engines.
         */
        public Builder requestTimeout(Duration v) {
            requestTimeout = OptionRange.between("requestTimeout", v, Duration.ofMillis(10), Duration.ofMinutes(10));
            return this;
        }

        /**
         * Serves {@code wss://} with this server context (for example from Netty's
         * {@code SslContextBuilder.forServer(...)}); {@code null} serves plain {@code ws://}.
         */
        public Builder tls(SslContext v) {
            if (v != null && v.isClient()) {
                throw new IllegalArgumentException("tls must be a server SslContext, was a client one");
            }
            tls = v;
            return this;
        }

        /**
         * Serves {@code wss://} with a PEM certificate chain (the server's certificate first) and its
         * PEM PKCS#8 private key; {@code keyPassword} is {@code null} for an unencrypted key.
         */
        public Builder tls(Path certificateChain, Path privateKey, String keyPassword) {
            Objects.requireNonNull(certificateChain, "tls certificateChain");
            Objects.requireNonNull(privateKey, "tls privateKey");
            try (InputStream cert = Files.newInputStream(certificateChain); InputStream key = Files.newInputStream(privateKey)) {
                return tls(SslContextBuilder.forServer(cert, key, keyPassword).build());
            } catch (IOException | IllegalArgumentException e) {
                String what = e instanceof SSLException ? "cannot use" : "cannot read";
                throw new IllegalArgumentException("tls: " + what + " certificate " + certificateChain + " with key " + privateKey
                        + ": " + e.getMessage(), e);
            }
        }

        /**
         * Serves the operator dashboard (default false) at {@value AdminHttpApi#BASE_PATH}/dashboard/;
         * its data comes from the admin API, under the admin authenticator.
         */
        public Builder dashboard(boolean v) {
            dashboard = v;
            return this;
        }

        public WsServerOptions build() {
            if (dashboard && !adminEnabled) {
                throw new IllegalArgumentException("dashboard needs adminEnabled: the admin API is where its data comes from;"
                        + " enable the admin API or turn the dashboard off");
            }
            if (adminEnabled && path.startsWith(AdminHttpApi.BASE_PATH)) {
                throw new IllegalArgumentException("path must not be under the admin API " + AdminHttpApi.BASE_PATH + ", was '" + path + "'");
            }
            if (engine == Engine.NETTY && customizer != null) {
                throw new IllegalArgumentException("customizer cannot be combined with engine NETTY: customizer applies to the"
                        + " Reactor Netty HttpServer only; remove it or use engine REACTOR_NETTY");
            }
            return new WsServerOptions(this);
        }
    }
}
