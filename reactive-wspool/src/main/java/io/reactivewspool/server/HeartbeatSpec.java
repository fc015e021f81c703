package io.reactivewspool.server;

import java.time.Duration;

import io.reactivewspool.internal.OptionRange;

/**
 * How the hub tells live connections from dead ones: the ping interval, the silence after which a
 * connection is closed with 4000, and the sweep that removes stale, failing and closed
 * connections. Immutable; part of {@link WsHubOptions#heartbeat()}.
 *
 * <table>
 * <caption>Heartbeat</caption>
 * <tr><th>option</th><th>default</th><th>range</th></tr>
 * <tr><td>interval</td><td>{@link #DEFAULT_INTERVAL} (30 s)</td><td>&gt;= 10 ms</td></tr>
 * <tr><td>connectionTimeout</td><td>{@link #DEFAULT_CONNECTION_TIMEOUT} (300 s)</td><td>&gt;= interval</td></tr>
 * <tr><td>cleanupInterval</td><td>{@link #DEFAULT_CLEANUP_INTERVAL} (60 s)</td><td>&gt;= 10 ms</td></tr>
 * <tr><td>messages</td><td>false</td><td>also send a {@code heartbeat} message each interval</td></tr>
 * </table>
 *
 * <pre>{@code
 * HeartbeatSpec heartbeat = HeartbeatSpec.builder()
 *         .interval(Duration.ofSeconds(10)).connectionTimeout(Duration.ofSeconds(30)).build();
 * }</pre>
 */
public final class HeartbeatSpec {

    /** Default {@code interval}: 30 s. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(30);
    /** Default {@code connectionTimeout}: 300 s. */
    public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(300);
    /** Default {@code cleanupInterval}: 60 s. */
    public static final Duration DEFAULT_CLEANUP_INTERVAL = Duration.ofSeconds(60);

    private static final Duration MIN_TICK = Duration.ofMillis(10);
    private static final HeartbeatSpec DEFAULTS = builder().build();

    private final Duration interval;
    private final Duration connectionTimeout;
    private final Duration cleanupInterval;
    private final boolean messages;

    private HeartbeatSpec(Builder b) {
        interval = b.interval;
        connectionTimeout = b.connectionTimeout;
        cleanupInterval = b.cleanupInterval;
        messages = b.messages;
    }

    /** The default heartbeat. */
    public static HeartbeatSpec defaults() {
        return DEFAULTS;
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder pre-filled with this heartbeat. */
    public Builder mutate() {
        Builder b = new Builder();
        b.interval = interval;
        b.connectionTimeout = connectionTimeout;
        b.cleanupInterval = cleanupInterval;
        b.messages = messages;
        return b;
    }

    /** How often ping frames (and heartbeat messages, when on) go out. */
    public Duration interval() {
        return interval;
    }

    /** A connection without activity for this long is closed with 4000. */
    public Duration connectionTimeout() {
        return connectionTimeout;
    }

    /** How often the cleanup sweep runs. */
    public Duration cleanupInterval() {
        return cleanupInterval;
    }

    /** Whether a {@code heartbeat} message goes out with every ping frame. */
    public boolean messages() {
        return messages;
    }

    /** Builds {@link HeartbeatSpec}; setters check their range at once, {@link #build()} the order. Not thread-safe. */
    public static final class Builder {
        private Duration interval = DEFAULT_INTERVAL;
        private Duration connectionTimeout = DEFAULT_CONNECTION_TIMEOUT;
        private Duration cleanupInterval = DEFAULT_CLEANUP_INTERVAL;
        private boolean messages;

        private Builder() {
        }

        public Builder interval(Duration v) {
            interval = OptionRange.atLeast("heartbeatInterval", v, MIN_TICK);
            return this;
        }

        public Builder connectionTimeout(Duration v) {
            connectionTimeout = OptionRange.atLeast("connectionTimeout", v, MIN_TICK);
            return this;
        }

        public Builder cleanupInterval(Duration v) {
            cleanupInterval = OptionRange.atLeast("cleanupInterval", v, MIN_TICK);
            return this;
        }

        public Builder messages(boolean v) {
            messages = v;
            return this;
        }

        /** The heartbeat; checks that connectionTimeout is at least the interval. */
        public HeartbeatSpec build() {
            if (connectionTimeout.compareTo(interval) < 0) {
                throw new IllegalArgumentException("connectionTimeout must be >= heartbeatInterval (" + interval
                        + "), was " + connectionTimeout);
            }
            return new HeartbeatSpec(this);
        }
    }
}
