package io.reactivewspool.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

import io.reactivewspool.internal.OptionRange;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Immutable configuration of a {@link WsTopicClient}.
 *
 * <table>
 * <caption>Options and defaults</caption>
 * <tr><th>option</th><th>default</th><th>range</th></tr>
 * <tr><td>urls</td><td>required</td><td>1 or more ws:// or wss:// URLs, tried in order</td></tr>
 * <tr><td>client (per-URL {@link WsClientOptions} customizer)</td><td>identity</td><td></td></tr>
 * <tr><td>reconnectBackoffFirst</td><td>{@value #DEFAULT_RECONNECT_BACKOFF_FIRST_MS} ms</td><td>&gt; 0</td></tr>
 * <tr><td>reconnectBackoffMax</td><td>{@value #DEFAULT_RECONNECT_BACKOFF_MAX_MS} ms</td><td>&gt;= reconnectBackoffFirst</td></tr>
 * <tr><td>reconnectBackoffJitter</td><td>{@value #DEFAULT_RECONNECT_BACKOFF_JITTER}</td><td>0..1, a fraction of the delay</td></tr>
 * <tr><td>bufferSize (messages per topic)</td><td>{@value #DEFAULT_BUFFER_SIZE}</td><td>1..1,048,576</td></tr>
 * <tr><td>pingInterval (0: off)</td><td>{@value #DEFAULT_PING_INTERVAL_MS} ms</td><td>&gt;= 0</td></tr>
 * <tr><td>pingTimeout</td><td>{@value #DEFAULT_PING_TIMEOUT_MS} ms</td><td>&gt; 0</td></tr>
 * <tr><td>scheduler (backoff and ping timers)</td><td>{@link Schedulers#parallel()}</td><td></td></tr>
 * </table>
 *
 * <p>Liveness: every {@code pingInterval} the client sends a WebSocket ping frame. When neither its
 * pong nor any message arrives within {@code pingTimeout}, the connection is taken for dead (a
 * silent partition: no FIN, no RST, no close frame); the client closes it, reconnects and
 * subscribes again from its offsets. A dead path is therefore found within
 * {@code pingInterval + pingTimeout} (25 s with the defaults). A {@code pingTimeout} below about a
 * second can take a live connection on a busy machine for dead.
 *
 * <pre>{@code
 * WsTopicClientOptions options = WsTopicClientOptions.builder("ws://hub-1:8080/ws", "ws://hub-2:8080/ws")
 *         .client(b -> b.bearerToken(token))
 *         .reconnectBackoffMax(Duration.ofSeconds(5))
 *         .build();
 * }</pre>
 */
public final class WsTopicClientOptions {

    /** Default first reconnect delay, in milliseconds (as the pool's connect backoff). */
    public static final long DEFAULT_RECONNECT_BACKOFF_FIRST_MS = WsClientPoolOptions.DEFAULT_CONNECT_BACKOFF_FIRST_MS;
    /** Default largest reconnect delay, in milliseconds. */
    public static final long DEFAULT_RECONNECT_BACKOFF_MAX_MS = WsClientPoolOptions.DEFAULT_CONNECT_BACKOFF_MAX_MS;
    /** Default jitter of reconnect delays, as a fraction of the delay. */
    public static final double DEFAULT_RECONNECT_BACKOFF_JITTER = WsClientPoolOptions.DEFAULT_CONNECT_BACKOFF_JITTER;
    /** Default messages buffered per topic for subscribers that are not ready. */
    public static final int DEFAULT_BUFFER_SIZE = 256;
    /** Default time between two liveness pings, in milliseconds. */
    public static final long DEFAULT_PING_INTERVAL_MS = 15_000;
    /** Default time a liveness ping waits for its pong (or any message), in milliseconds. */
    public static final long DEFAULT_PING_TIMEOUT_MS = 10_000;

    private final List<WsClientOptions> clients;
    private final Duration reconnectBackoffFirst;
    private final Duration reconnectBackoffMax;
    private final double reconnectBackoffJitter;
    private final int bufferSize;
    private final Duration pingInterval;
    private final Duration pingTimeout;
    private final Scheduler scheduler;
    private final UnaryOperator<WsClientOptions.Builder> customizer;
    private final List<String> urls;

    private WsTopicClientOptions(Builder b) {
        this.urls = List.copyOf(b.urls);
        this.customizer = b.customizer;
        List<WsClientOptions> list = new ArrayList<>();
        for (String url : urls) {
            list.add(Objects.requireNonNull(b.customizer.apply(WsClientOptions.builder(url)),
                    "client customizer returned null").build());
        }
        this.clients = List.copyOf(list);
        this.reconnectBackoffFirst = b.reconnectBackoffFirst;
        this.reconnectBackoffMax = b.reconnectBackoffMax;
        this.reconnectBackoffJitter = b.reconnectBackoffJitter;
        this.bufferSize = b.bufferSize;
        this.pingInterval = b.pingInterval;
        this.pingTimeout = b.pingTimeout;
        this.scheduler = b.scheduler;
    }

    /** A builder for the given URLs, tried in this order. */
    public static Builder builder(String... urls) {
        return builder(List.of(urls));
    }

    /** A builder for the given URLs, tried in this order. */
    public static Builder builder(List<String> urls) {
        return new Builder(urls);
    }

    /** A builder pre-filled with these options. */
    public Builder mutate() {
        return new Builder(urls).client(customizer).reconnectBackoffFirst(reconnectBackoffFirst)
                .reconnectBackoffMax(reconnectBackoffMax).reconnectBackoffJitter(reconnectBackoffJitter)
                .bufferSize(bufferSize).pingInterval(pingInterval).pingTimeout(pingTimeout).scheduler(scheduler);
    }

    /** The client options of each URL, in failover order. */
    public List<WsClientOptions> clients() {
        return clients;
    }

    public Duration reconnectBackoffFirst() {
        return reconnectBackoffFirst;
    }

    public Duration reconnectBackoffMax() {
        return reconnectBackoffMax;
    }

    public double reconnectBackoffJitter() {
        return reconnectBackoffJitter;
    }

    /** Messages buffered per topic for subscribers that are not ready; more are dropped and counted. */
    public int bufferSize() {
        return bufferSize;
    }

    /** Time between two liveness pings; {@link Duration#ZERO} when liveness checks are off. */
    public Duration pingInterval() {
        return pingInterval;
    }

    /** Time a liveness ping waits for its pong or any message before the connection is taken for dead. */
    public Duration pingTimeout() {
        return pingTimeout;
    }

    /** The scheduler of the reconnect and ping timers. */
    public Scheduler scheduler() {
        return scheduler;
    }

    /** Builds {@link WsTopicClientOptions}; setters check at once, {@link #build()} checks the URLs and cross-field rules. */
    public static final class Builder {
        private final List<String> urls;
        private UnaryOperator<WsClientOptions.Builder> customizer = UnaryOperator.identity();
        private Duration reconnectBackoffFirst = Duration.ofMillis(DEFAULT_RECONNECT_BACKOFF_FIRST_MS);
        private Duration reconnectBackoffMax = Duration.ofMillis(DEFAULT_RECONNECT_BACKOFF_MAX_MS);
        private double reconnectBackoffJitter = DEFAULT_RECONNECT_BACKOFF_JITTER;
        private int bufferSize = DEFAULT_BUFFER_SIZE;
        private Duration pingInterval = Duration.ofMillis(DEFAULT_PING_INTERVAL_MS);
        private Duration pingTimeout = Duration.ofMillis(DEFAULT_PING_TIMEOUT_MS);
        private Scheduler scheduler = Schedulers.parallel();

        private Builder(List<String> urls) {
            Objects.requireNonNull(urls, "urls");
            if (urls.isEmpty()) {
                throw new IllegalArgumentException("urls must name at least one hub, was []");
            }
            for (String u : urls) {
                if (u == null || u.isBlank()) {
                    throw new IllegalArgumentException("urls must not contain blank entries, was " + urls);
                }
            }
            this.urls = List.copyOf(urls);
        }

        /** Customizes the {@link WsClientOptions} of every URL (token, timeouts, codec…). */
        public Builder client(UnaryOperator<WsClientOptions.Builder> customizer) {
            this.customizer = Objects.requireNonNull(customizer, "client");
            return this;
        }

        public Builder reconnectBackoffFirst(Duration v) {
            reconnectBackoffFirst = OptionRange.positive("reconnectBackoffFirst", v);
            return this;
        }

        public Builder reconnectBackoffMax(Duration v) {
            reconnectBackoffMax = OptionRange.positive("reconnectBackoffMax", v);
            return this;
        }

        public Builder reconnectBackoffJitter(double v) {
            if (!(v >= 0 && v <= 1)) {
                throw new IllegalArgumentException("reconnectBackoffJitter must be between 0 and 1, was " + v);
            }
            reconnectBackoffJitter = v;
            return this;
        }

        public Builder bufferSize(int v) {
            bufferSize = OptionRange.between("bufferSize", v, 1, 1 << 20);
            return this;
        }

        /**
         * Time between two liveness pings, >= 0 ({@link Duration#ZERO}: no pings, a silent
         * partition is never noticed); default {@value #DEFAULT_PING_INTERVAL_MS} ms.
         */
        public Builder pingInterval(Duration v) {
            Objects.requireNonNull(v, "pingInterval");
            if (v.isNegative()) {
                throw new IllegalArgumentException("pingInterval must be >= 0 (0: off), was " + v);
            }
            pingInterval = v;
            return this;
        }

        /**
         * Time a liveness ping waits for its pong, or for any message, before the connection is
         * taken for dead and replaced, > 0; default {@value #DEFAULT_PING_TIMEOUT_MS} ms.
         */
        public Builder pingTimeout(Duration v) {
            pingTimeout = OptionRange.positive("pingTimeout", v);
            return this;
        }

        public Builder scheduler(Scheduler v) {
            scheduler = Objects.requireNonNull(v, "scheduler");
            return this;
        }

        /** The options; checks every URL and that reconnectBackoffMax >= reconnectBackoffFirst. */
        public WsTopicClientOptions build() {
            if (reconnectBackoffMax.compareTo(reconnectBackoffFirst) < 0) {
                throw new IllegalArgumentException("reconnectBackoffMax must be >= reconnectBackoffFirst ("
                        + reconnectBackoffFirst + "), was " + reconnectBackoffMax);
            }
            return new WsTopicClientOptions(this);
        }
    }
}
