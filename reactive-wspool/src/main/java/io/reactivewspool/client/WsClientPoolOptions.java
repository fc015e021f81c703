package io.reactivewspool.client;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

import io.reactivewspool.internal.OptionRange;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Immutable configuration of a {@link WsClientPool}. Built with {@link #builder(String)} or
 * {@link #builder(WsClientOptions)}; {@link #mutate()} gives a pre-filled builder. Setters check
 * their argument at once and name the field, the value and the allowed range;
 * {@link Builder#build()} checks the rules between fields ({@code min <= max}).
 *
 * <pre>{@code
 * WsClientPoolOptions options = WsClientPoolOptions.builder("ws://quotes.internal/ws")
 *         .name("quotes")
 *         .minConnections(2).maxConnections(8)
 *         .acquireTimeout(Duration.ofSeconds(2))
 *         .build();
 * }</pre>
 *
 * <p>Defaults (all times are {@link Duration}s; {@link Duration#ZERO} switches a timed feature off
 * where that is allowed):
 * <ul>
 * <li>name: derived from the URL ({@code host:port/path})</li>
 * <li>minConnections {@value #DEFAULT_MIN_CONNECTIONS}, maxConnections {@value #DEFAULT_MAX_CONNECTIONS}
 *     (at most {@value #MAX_CONNECTIONS_LIMIT})</li>
 * <li>maxLifetime {@value #DEFAULT_MAX_LIFETIME_MS} ms, shortened per connection by a random part of up to
 *     maxLifetimeJitter = {@value #DEFAULT_MAX_LIFETIME_JITTER} of it</li>
 * <li>maxIdleTime {@value #DEFAULT_MAX_IDLE_TIME_MS} ms</li>
 * <li>healthCheckPeriod {@value #DEFAULT_HEALTH_CHECK_PERIOD_MS} ms, healthCheckTimeout
 *     {@value #DEFAULT_HEALTH_CHECK_TIMEOUT_MS} ms, validateAfterIdle {@value #DEFAULT_VALIDATE_AFTER_IDLE_MS} ms</li>
 * <li>acquireTimeout {@value #DEFAULT_ACQUIRE_TIMEOUT_MS} ms, maxPendingAcquires {@value #DEFAULT_MAX_PENDING_ACQUIRES}</li>
 * <li>connect backoff: first {@value #DEFAULT_CONNECT_BACKOFF_FIRST_MS} ms, max {@value #DEFAULT_CONNECT_BACKOFF_MAX_MS} ms,
 *     jitter {@value #DEFAULT_CONNECT_BACKOFF_JITTER}, {@value #DEFAULT_CONNECT_MAX_ATTEMPTS} attempts per connect</li>
 * <li>maxRequestsPerConnection {@value #DEFAULT_MAX_REQUESTS_PER_CONNECTION}</li>
 * <li>reuseOrder {@link ReuseOrder#MOST_RECENTLY_USED}, warmup on</li>
 * <li>hooks: none</li>
 * <li>adaptiveSizing: off (see {@link AdaptiveSizingSpec})</li>
 * <li>timerScheduler: {@link Schedulers#parallel()}</li>
 * </ul>
 */
public final class WsClientPoolOptions {

    /** Default minimum number of connections. */
    public static final int DEFAULT_MIN_CONNECTIONS = 1;
    /** Default maximum number of connections. */
    public static final int DEFAULT_MAX_CONNECTIONS = 8;
    /** Largest allowed {@code maxConnections}. */
    public static final int MAX_CONNECTIONS_LIMIT = 10_000;
    /** Default maximum lifetime of a connection, in milliseconds (30 minutes). */
    public static final long DEFAULT_MAX_LIFETIME_MS = 30 * 60_000L;
    /** Default lifetime jitter, as a fraction of maxLifetime. */
    public static final double DEFAULT_MAX_LIFETIME_JITTER = 0.1;
    /** Default time an idle connection above the minimum is kept, in milliseconds (10 minutes). */
    public static final long DEFAULT_MAX_IDLE_TIME_MS = 10 * 60_000L;
    /** Default period of the background ping of every connection, in milliseconds. */
    public static final long DEFAULT_HEALTH_CHECK_PERIOD_MS = 30_000;
    /** Default time a health-check ping waits for its pong, in milliseconds. */
    public static final long DEFAULT_HEALTH_CHECK_TIMEOUT_MS = 5_000;
    /** Default idle time after which a connection is pinged before it is handed out, in milliseconds. */
    public static final long DEFAULT_VALIDATE_AFTER_IDLE_MS = 5_000;
    /** Default acquire timeout, in milliseconds. */
    public static final long DEFAULT_ACQUIRE_TIMEOUT_MS = 10_000;
    /** Default bound on acquires waiting for a connection. */
    public static final int DEFAULT_MAX_PENDING_ACQUIRES = 1_000;
    /** Largest allowed {@code maxPendingAcquires}. */
    public static final int MAX_PENDING_ACQUIRES_LIMIT = 1_000_000;
    /** Default first connect retry delay, in milliseconds. */
    public static final long DEFAULT_CONNECT_BACKOFF_FIRST_MS = 100;
    /** Default largest connect retry delay, in milliseconds. */
    public static final long DEFAULT_CONNECT_BACKOFF_MAX_MS = 10_000;
    /** Default jitter of connect retry delays (fraction of the delay). */
    public static final double DEFAULT_CONNECT_BACKOFF_JITTER = 0.5;
    /** Default connect attempts per new connection before the connect fails. */
    public static final int DEFAULT_CONNECT_MAX_ATTEMPTS = 5;
    /** Largest allowed {@code connectMaxAttempts}. */
    public static final int CONNECT_MAX_ATTEMPTS_LIMIT = 1_000;
    /** Default number of {@link WsClientPool#request} calls in flight on one connection before the pool opens another (as HTTP/2's concurrent streams). */
    public static final int DEFAULT_MAX_REQUESTS_PER_CONNECTION = 100;
    /** Largest allowed {@code maxRequestsPerConnection}. */
    public static final int MAX_REQUESTS_PER_CONNECTION_LIMIT = 100_000;

    private final String name;
    private final WsClientOptions client;
    private final int minConnections;
    private final int maxConnections;
    private final Duration maxLifetime;
    private final double maxLifetimeJitter;
    private final Duration maxIdleTime;
    private final Duration healthCheckPeriod;
    private final Duration healthCheckTimeout;
    private final Duration validateAfterIdle;
    private final Duration acquireTimeout;
    private final int maxPendingAcquires;
    private final Duration connectBackoffFirst;
    private final Duration connectBackoffMax;
    private final double connectBackoffJitter;
    private final int connectMaxAttempts;
    private final int maxRequestsPerConnection;
    private final ReuseOrder reuseOrder;
    private final boolean warmup;
    private final WsConnectHook connectHook;
    private final WsAcquireHook acquireHook;
    private final WsReleaseHook releaseHook;
    private final AdaptiveSizingSpec adaptiveSizing;
    private final Scheduler timerScheduler;

    private WsClientPoolOptions(Builder b) {
        this.client = b.client;
        this.name = b.name != null ? b.name : defaultName(b.client);
        this.minConnections = b.minConnections;
        this.maxConnections = b.maxConnections;
        this.maxLifetime = b.maxLifetime;
        this.maxLifetimeJitter = b.maxLifetimeJitter;
        this.maxIdleTime = b.maxIdleTime;
        this.healthCheckPeriod = b.healthCheckPeriod;
        this.healthCheckTimeout = b.healthCheckTimeout;
        this.validateAfterIdle = b.validateAfterIdle;
        this.acquireTimeout = b.acquireTimeout;
        this.maxPendingAcquires = b.maxPendingAcquires;
        this.connectBackoffFirst = b.connectBackoffFirst;
        this.connectBackoffMax = b.connectBackoffMax;
        this.connectBackoffJitter = b.connectBackoffJitter;
        this.connectMaxAttempts = b.connectMaxAttempts;
        this.maxRequestsPerConnection = b.maxRequestsPerConnection;
        this.reuseOrder = b.reuseOrder;
        this.warmup = b.warmup;
        this.connectHook = b.connectHook;
        this.acquireHook = b.acquireHook;
        this.releaseHook = b.releaseHook;
        this.adaptiveSizing = b.adaptiveSizing;
        this.timerScheduler = b.timerScheduler;
    }

    /** A builder for a pool of connections to the URL, with default client options. */
    public static Builder builder(String url) {
        return new Builder(WsClientOptions.builder(url).build());
    }

    /** A builder for a pool of connections made with the given client options. */
    public static Builder builder(WsClientOptions client) {
        return new Builder(Objects.requireNonNull(client, "client"));
    }

    /** A builder pre-filled with these options. */
    public Builder mutate() {
        Builder b = new Builder(client);
        b.name = name;
        b.minConnections = minConnections;
        b.maxConnections = maxConnections;
        b.maxLifetime = maxLifetime;
        b.maxLifetimeJitter = maxLifetimeJitter;
        b.maxIdleTime = maxIdleTime;
        b.healthCheckPeriod = healthCheckPeriod;
        b.healthCheckTimeout = healthCheckTimeout;
        b.validateAfterIdle = validateAfterIdle;
        b.acquireTimeout = acquireTimeout;
        b.maxPendingAcquires = maxPendingAcquires;
        b.connectBackoffFirst = connectBackoffFirst;
        b.connectBackoffMax = connectBackoffMax;
        b.connectBackoffJitter = connectBackoffJitter;
        b.connectMaxAttempts = connectMaxAttempts;
        b.maxRequestsPerConnection = maxRequestsPerConnection;
        b.reuseOrder = reuseOrder;
        b.warmup = warmup;
        b.connectHook = connectHook;
        b.acquireHook = acquireHook;
        b.releaseHook = releaseHook;
        b.adaptiveSizing = adaptiveSizing;
        b.timerScheduler = timerScheduler;
        return b;
    }

    private static String defaultName(WsClientOptions client) {
        var u = client.url();
        return u.getHost() + (u.getPort() >= 0 ? ":" + u.getPort() : "") + (u.getRawPath() == null ? "" : u.getRawPath());
    }

    /** The pool's name, in every log line and error. */
    public String name() { return name; }

    /** How connections are made. */
    public WsClientOptions client() { return client; }

    /** Connections kept open even when idle. */
    public int minConnections() { return minConnections; }

    /** Connections open at most. */
    public int maxConnections() { return maxConnections; }

    /** Lifetime after which a connection is rotated; zero: unlimited. */
    public Duration maxLifetime() { return maxLifetime; }

    /** Fraction of maxLifetime by which each connection's lifetime is randomly shortened. */
    public double maxLifetimeJitter() { return maxLifetimeJitter; }

    /** Idle time after which a connection above the minimum is closed; zero: never. */
    public Duration maxIdleTime() { return maxIdleTime; }

    /** Period of the background ping of every connection; zero: off. */
    public Duration healthCheckPeriod() { return healthCheckPeriod; }

    /** Time a health-check ping waits for its pong. */
    public Duration healthCheckTimeout() { return healthCheckTimeout; }

    /** A connection idle at least this long is pinged before it is handed out; zero: every time. */
    public Duration validateAfterIdle() { return validateAfterIdle; }

    /** Time an acquire may take, connecting included. */
    public Duration acquireTimeout() { return acquireTimeout; }

    /** Acquires that may wait for a connection at once; more fail at once. */
    public int maxPendingAcquires() { return maxPendingAcquires; }

    /** First connect retry delay. */
    public Duration connectBackoffFirst() { return connectBackoffFirst; }

    /** Largest connect retry delay. */
    public Duration connectBackoffMax() { return connectBackoffMax; }

    /** Jitter of connect retry delays, as a fraction of the delay. */
    public double connectBackoffJitter() { return connectBackoffJitter; }

    /** Connect attempts per new connection. */
    public int connectMaxAttempts() { return connectMaxAttempts; }

    /** Requests in flight on one connection before {@link WsClientPool#request} uses another one, opening it if below max. */
    public int maxRequestsPerConnection() { return maxRequestsPerConnection; }

    /** Which idle connection is handed out first. */
    public ReuseOrder reuseOrder() { return reuseOrder; }

    /** Whether the pool opens minConnections at start. */
    public boolean warmup() { return warmup; }

    /** Hook after a connect. */
    public WsConnectHook connectHook() { return connectHook; }

    /** Hook before an acquire hands a connection out. */
    public WsAcquireHook acquireHook() { return acquireHook; }

    /** Hook when a connection is released. */
    public WsReleaseHook releaseHook() { return releaseHook; }

    /** Adaptive sizing between minConnections and maxConnections, if switched on. */
    public Optional<AdaptiveSizingSpec> adaptiveSizing() { return Optional.ofNullable(adaptiveSizing); }

    /** The scheduler of the pool's timers: acquire deadlines, connect backoff, health checks, eviction, adaptive sizing. */
    public Scheduler timerScheduler() { return timerScheduler; }

    @Override
    public String toString() {
        return "WsClientPoolOptions{name=" + name + ", client=" + client + ", min=" + minConnections + ", max=" + maxConnections
                + ", maxLifetime=" + maxLifetime + ", maxLifetimeJitter=" + maxLifetimeJitter + ", maxIdleTime=" + maxIdleTime
                + ", healthCheckPeriod=" + healthCheckPeriod + ", healthCheckTimeout=" + healthCheckTimeout
                + ", validateAfterIdle=" + validateAfterIdle + ", acquireTimeout=" + acquireTimeout
                + ", maxPendingAcquires=" + maxPendingAcquires + ", connectBackoff=" + connectBackoffFirst + ".." + connectBackoffMax
                + " jitter " + connectBackoffJitter + " x" + connectMaxAttempts + ", maxRequestsPerConnection=" + maxRequestsPerConnection
                + ", reuseOrder=" + reuseOrder + ", warmup=" + warmup
                + (adaptiveSizing == null ? "" : ", adaptiveSizing=" + adaptiveSizing) + '}';
    }

    static void checkRange(String field, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(field + " must be between " + min + " and " + max + ", was " + value);
        }
    }

    private static Duration nonNegative(String field, Duration d) {
        Objects.requireNonNull(d, field);
        if (d.isNegative()) {
            throw new IllegalArgumentException(field + " must be >= 0 (0 switches it off), was " + d);
        }
        return d;
    }

    private static double fraction(String field, double v) {
        if (!(v >= 0.0 && v <= 1.0)) {
            throw new IllegalArgumentException(field + " must be between 0.0 and 1.0, was " + v);
        }
        return v;
    }

    /** Builds {@link WsClientPoolOptions}. Not thread-safe. */
    public static final class Builder {
        private final WsClientOptions client;
        private String name;
        private int minConnections = DEFAULT_MIN_CONNECTIONS;
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private Duration maxLifetime = Duration.ofMillis(DEFAULT_MAX_LIFETIME_MS);
        private double maxLifetimeJitter = DEFAULT_MAX_LIFETIME_JITTER;
        private Duration maxIdleTime = Duration.ofMillis(DEFAULT_MAX_IDLE_TIME_MS);
        private Duration healthCheckPeriod = Duration.ofMillis(DEFAULT_HEALTH_CHECK_PERIOD_MS);
        private Duration healthCheckTimeout = Duration.ofMillis(DEFAULT_HEALTH_CHECK_TIMEOUT_MS);
        private Duration validateAfterIdle = Duration.ofMillis(DEFAULT_VALIDATE_AFTER_IDLE_MS);
        private Duration acquireTimeout = Duration.ofMillis(DEFAULT_ACQUIRE_TIMEOUT_MS);
        private int maxPendingAcquires = DEFAULT_MAX_PENDING_ACQUIRES;
        private Duration connectBackoffFirst = Duration.ofMillis(DEFAULT_CONNECT_BACKOFF_FIRST_MS);
        private Duration connectBackoffMax = Duration.ofMillis(DEFAULT_CONNECT_BACKOFF_MAX_MS);
        private double connectBackoffJitter = DEFAULT_CONNECT_BACKOFF_JITTER;
        private int connectMaxAttempts = DEFAULT_CONNECT_MAX_ATTEMPTS;
        private int maxRequestsPerConnection = DEFAULT_MAX_REQUESTS_PER_CONNECTION;
        private ReuseOrder reuseOrder = ReuseOrder.MOST_RECENTLY_USED;
        private boolean warmup = true;
        private WsConnectHook connectHook = WsConnectHook.NONE;
        private WsAcquireHook acquireHook = WsAcquireHook.NONE;
        private WsReleaseHook releaseHook = WsReleaseHook.NONE;
        private AdaptiveSizingSpec adaptiveSizing;
        private Scheduler timerScheduler = Schedulers.parallel();

        private Builder(WsClientOptions client) {
            this.client = client;
        }

        /** The pool's name for logs and errors: 1 to 64 characters, no whitespace. */
        public Builder name(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isEmpty() || name.length() > 64 || name.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("name must be 1 to 64 characters without whitespace, was '" + name + "'");
            }
            this.name = name;
            return this;
        }

        /** Connections kept open, 0 to maxConnections; default {@value #DEFAULT_MIN_CONNECTIONS}. */
        public Builder minConnections(int min) {
            checkRange("minConnections", min, 0, MAX_CONNECTIONS_LIMIT);
            this.minConnections = min;
            return this;
        }

        /** Connections open at most, 1 to {@value #MAX_CONNECTIONS_LIMIT}; default {@value #DEFAULT_MAX_CONNECTIONS}. */
        public Builder maxConnections(int max) {
            checkRange("maxConnections", max, 1, MAX_CONNECTIONS_LIMIT);
            this.maxConnections = max;
            return this;
        }

        /** Lifetime after which a connection is rotated, >= 0 (0: unlimited); default {@value #DEFAULT_MAX_LIFETIME_MS} ms. */
        public Builder maxLifetime(Duration lifetime) {
            this.maxLifetime = nonNegative("maxLifetime", lifetime);
            return this;
        }

        /** Random shortening of each lifetime, fraction 0.0 to 1.0; default {@value #DEFAULT_MAX_LIFETIME_JITTER}. */
        public Builder maxLifetimeJitter(double fraction) {
            this.maxLifetimeJitter = fraction("maxLifetimeJitter", fraction);
            return this;
        }

        /** Idle time after which connections above the minimum close, >= 0 (0: never); default {@value #DEFAULT_MAX_IDLE_TIME_MS} ms. */
        public Builder maxIdleTime(Duration idle) {
            this.maxIdleTime = nonNegative("maxIdleTime", idle);
            return this;
        }

        /** Period of the background health-check ping, >= 0 (0: off); default {@value #DEFAULT_HEALTH_CHECK_PERIOD_MS} ms. */
        public Builder healthCheckPeriod(Duration period) {
            this.healthCheckPeriod = nonNegative("healthCheckPeriod", period);
            return this;
        }

        /** Time a health-check ping waits for its pong, > 0; default {@value #DEFAULT_HEALTH_CHECK_TIMEOUT_MS} ms. */
        public Builder healthCheckTimeout(Duration timeout) {
            this.healthCheckTimeout = OptionRange.positive("healthCheckTimeout", timeout);
            return this;
        }

        /** Idle time after which a connection is pinged before hand-out, >= 0 (0: always); default {@value #DEFAULT_VALIDATE_AFTER_IDLE_MS} ms. */
        public Builder validateAfterIdle(Duration idle) {
            this.validateAfterIdle = nonNegative("validateAfterIdle", idle);
            return this;
        }

        /** Time an acquire may take, connecting included, > 0; default {@value #DEFAULT_ACQUIRE_TIMEOUT_MS} ms. */
        public Builder acquireTimeout(Duration timeout) {
            this.acquireTimeout = OptionRange.positive("acquireTimeout", timeout);
            return this;
        }

        /** Acquires that may wait at once, 0 to {@value #MAX_PENDING_ACQUIRES_LIMIT}; default {@value #DEFAULT_MAX_PENDING_ACQUIRES}. */
        public Builder maxPendingAcquires(int max) {
            checkRange("maxPendingAcquires", max, 0, MAX_PENDING_ACQUIRES_LIMIT);
            this.maxPendingAcquires = max;
            return this;
        }

        /** First connect retry delay, > 0; default {@value #DEFAULT_CONNECT_BACKOFF_FIRST_MS} ms. */
        public Builder connectBackoffFirst(Duration first) {
            this.connectBackoffFirst = OptionRange.positive("connectBackoffFirst", first);
            return this;
        }

        /** Largest connect retry delay, >= connectBackoffFirst; default {@value #DEFAULT_CONNECT_BACKOFF_MAX_MS} ms. */
        public Builder connectBackoffMax(Duration max) {
            this.connectBackoffMax = OptionRange.positive("connectBackoffMax", max);
            return this;
        }

        /** Jitter of retry delays, fraction 0.0 to 1.0; default {@value #DEFAULT_CONNECT_BACKOFF_JITTER}. */
        public Builder connectBackoffJitter(double jitter) {
            this.connectBackoffJitter = fraction("connectBackoffJitter", jitter);
            return this;
        }

        /** Connect attempts per new connection, 1 to {@value #CONNECT_MAX_ATTEMPTS_LIMIT}; default {@value #DEFAULT_CONNECT_MAX_ATTEMPTS}. */
        public Builder connectMaxAttempts(int attempts) {
            checkRange("connectMaxAttempts", attempts, 1, CONNECT_MAX_ATTEMPTS_LIMIT);
            this.connectMaxAttempts = attempts;
            return this;
        }

        /**
         * Requests in flight on one connection before {@code request} uses another one (opening it
         * when the pool is below max), 1 to {@value #MAX_REQUESTS_PER_CONNECTION_LIMIT}; default
         * {@value #DEFAULT_MAX_REQUESTS_PER_CONNECTION}. With every connection open and at the limit,
         * requests go to the least loaded one rather than wait.
         */
        public Builder maxRequestsPerConnection(int max) {
            checkRange("maxRequestsPerConnection", max, 1, MAX_REQUESTS_PER_CONNECTION_LIMIT);
            this.maxRequestsPerConnection = max;
            return this;
        }

        /** Which idle connection is handed out first; default {@link ReuseOrder#MOST_RECENTLY_USED}. */
        public Builder reuseOrder(ReuseOrder order) {
            this.reuseOrder = Objects.requireNonNull(order, "reuseOrder");
            return this;
        }

        /** Open minConnections when the pool starts; default on. */
        public Builder warmup(boolean warmup) {
            this.warmup = warmup;
            return this;
        }

        /** Hook after each connect; default none. */
        public Builder connectHook(WsConnectHook hook) {
            this.connectHook = Objects.requireNonNull(hook, "connectHook");
            return this;
        }

        /** Hook before each hand-out; default none. */
        public Builder acquireHook(WsAcquireHook hook) {
            this.acquireHook = Objects.requireNonNull(hook, "acquireHook");
            return this;
        }

        /** Hook at each release; default none. */
        public Builder releaseHook(WsReleaseHook hook) {
            this.releaseHook = Objects.requireNonNull(hook, "releaseHook");
            return this;
        }

        /**
         * Lets the pool move its size between minConnections and maxConnections with the load
         * ({@link AdaptiveSizingSpec}); {@code null} switches it off; default off.
         */
        public Builder adaptiveSizing(AdaptiveSizingSpec spec) {
            this.adaptiveSizing = spec;
            return this;
        }

        /**
         * The scheduler the pool's timers run on (acquire deadlines, connect backoff, health checks,
         * eviction, adaptive sizing); {@link Schedulers#parallel()} by default. The pool does not
         * dispose it. Its tasks are short and never block.
         */
        public Builder timerScheduler(Scheduler scheduler) {
            this.timerScheduler = Objects.requireNonNull(scheduler, "timerScheduler must not be null");
            return this;
        }

        /** The immutable options; checks that {@code min <= max} and backoff {@code first <= max}. */
        public WsClientPoolOptions build() {
            if (minConnections > maxConnections) {
                throw new IllegalArgumentException("minConnections must be between 0 and maxConnections (" + maxConnections
                        + "), was " + minConnections);
            }
            if (connectBackoffMax.compareTo(connectBackoffFirst) < 0) {
                throw new IllegalArgumentException("connectBackoffMax must be >= connectBackoffFirst (" + connectBackoffFirst
                        + "), was " + connectBackoffMax);
            }
            return new WsClientPoolOptions(this);
        }
    }
}
