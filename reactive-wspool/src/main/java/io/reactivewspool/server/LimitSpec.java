package io.reactivewspool.server;

import java.util.Objects;

import io.reactivewspool.internal.OptionRange;

/**
 * The hub's limits: how many connections, per user and per topic, how many topics per connection,
 * how large a frame, how long an outbound queue and what it does when full, and how much a client
 * may misbehave. Immutable; part of {@link WsHubOptions#limits()}.
 *
 * <table>
 * <caption>Limits</caption>
 * <tr><th>option</th><th>default</th><th>range</th></tr>
 * <tr><td>maxConnections</td><td>{@value #DEFAULT_MAX_CONNECTIONS}</td><td>&gt;= 1</td></tr>
 * <tr><td>maxConnectionsPerUser</td><td>{@value #DEFAULT_MAX_CONNECTIONS_PER_USER}</td><td>&gt;= 1</td></tr>
 * <tr><td>maxConnectionsPerTopic</td><td>{@value #DEFAULT_MAX_CONNECTIONS_PER_TOPIC}</td><td>&gt;= 1</td></tr>
 * <tr><td>maxTopicsPerConnection</td><td>{@value #DEFAULT_MAX_TOPICS_PER_CONNECTION}</td><td>&gt;= 1</td></tr>
 * <tr><td>maxFrameBytes</td><td>{@value #DEFAULT_MAX_FRAME_BYTES}</td><td>{@value #MIN_FRAME_BYTES} ..
 * {@value #MAX_FRAME_BYTES} (16 MiB)</td></tr>
 * <tr><td>outboundQueueSize (messages)</td><td>{@value #DEFAULT_OUTBOUND_QUEUE_SIZE}</td><td>1 .. 1,048,576</td></tr>
 * <tr><td>overflowPolicy</td><td>{@link OverflowPolicy#DROP_OLDEST}</td><td></td></tr>
 * <tr><td>rateLimitPerSecond (messages per connection, 0 = off)</td><td>0</td><td>&gt;= 0</td></tr>
 * <tr><td>maxRateLimitViolations (before 1008)</td><td>{@value #DEFAULT_MAX_RATE_LIMIT_VIOLATIONS}</td><td>&gt;= 1</td></tr>
 * <tr><td>maxBadMessages (before 1008)</td><td>{@value #DEFAULT_MAX_BAD_MESSAGES}</td><td>&gt;= 1</td></tr>
 * <tr><td>failedSendThreshold</td><td>{@value #DEFAULT_FAILED_SEND_THRESHOLD}</td><td>&gt;= 1</td></tr>
 * <tr><td>maxPendingRequestsPerConnection (the hub's requests waiting for an ack)</td>
 * <td>{@value #DEFAULT_MAX_PENDING_REQUESTS_PER_CONNECTION}</td><td>1 .. 65,536</td></tr>
 * </table>
 *
 * <pre>{@code
 * LimitSpec limits = LimitSpec.builder().maxConnections(50_000).overflowPolicy(OverflowPolicy.DISCONNECT).build();
 * WsHubOptions options = WsHubOptions.builder().limits(limits).build();
 * }</pre>
 */
public final class LimitSpec {

    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    public static final int DEFAULT_MAX_CONNECTIONS_PER_USER = 100;
    public static final int DEFAULT_MAX_CONNECTIONS_PER_TOPIC = 1_000;
    public static final int DEFAULT_MAX_TOPICS_PER_CONNECTION = 100;
    public static final int DEFAULT_MAX_FRAME_BYTES = 65_536;
    /** The smallest frame limit: room for any protocol message of the hub. */
    public static final int MIN_FRAME_BYTES = 128;
    /** The largest frame limit, here and in a server engine's own: 16 MiB. */
    public static final int MAX_FRAME_BYTES = 16 * 1024 * 1024;
    public static final int DEFAULT_OUTBOUND_QUEUE_SIZE = 1_024;
    public static final int DEFAULT_MAX_RATE_LIMIT_VIOLATIONS = 10;
    public static final int DEFAULT_MAX_BAD_MESSAGES = 100;
    public static final int DEFAULT_FAILED_SEND_THRESHOLD = 5;
    public static final int DEFAULT_MAX_PENDING_REQUESTS_PER_CONNECTION = 64;

    private static final LimitSpec DEFAULTS = builder().build();

    private final int maxConnections;
    private final int maxConnectionsPerUser;
    private final int maxConnectionsPerTopic;
    private final int maxTopicsPerConnection;
    private final int maxFrameBytes;
    private final int outboundQueueSize;
    private final OverflowPolicy overflowPolicy;
    private final int rateLimitPerSecond;
    private final int maxRateLimitViolations;
    private final int maxBadMessages;
    private final int failedSendThreshold;
    private final int maxPendingRequestsPerConnection;

    private LimitSpec(Builder b) {
        maxConnections = b.maxConnections;
        maxConnectionsPerUser = b.maxConnectionsPerUser;
        maxConnectionsPerTopic = b.maxConnectionsPerTopic;
        maxTopicsPerConnection = b.maxTopicsPerConnection;
        maxFrameBytes = b.maxFrameBytes;
        outboundQueueSize = b.outboundQueueSize;
        overflowPolicy = b.overflowPolicy;
        rateLimitPerSecond = b.rateLimitPerSecond;
        maxRateLimitViolations = b.maxRateLimitViolations;
        maxBadMessages = b.maxBadMessages;
        failedSendThreshold = b.failedSendThreshold;
        maxPendingRequestsPerConnection = b.maxPendingRequestsPerConnection;
    }

    /** The default limits. */
    public static LimitSpec defaults() {
        return DEFAULTS;
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder pre-filled with these limits. */
    public Builder mutate() {
        Builder b = new Builder();
        b.maxConnections = maxConnections;
        b.maxConnectionsPerUser = maxConnectionsPerUser;
        b.maxConnectionsPerTopic = maxConnectionsPerTopic;
        b.maxTopicsPerConnection = maxTopicsPerConnection;
        b.maxFrameBytes = maxFrameBytes;
        b.outboundQueueSize = outboundQueueSize;
        b.overflowPolicy = overflowPolicy;
        b.rateLimitPerSecond = rateLimitPerSecond;
        b.maxRateLimitViolations = maxRateLimitViolations;
        b.maxBadMessages = maxBadMessages;
        b.failedSendThreshold = failedSendThreshold;
        b.maxPendingRequestsPerConnection = maxPendingRequestsPerConnection;
        return b;
    }

    /** The most connections the hub holds; the next is closed with 1013. */
    public int maxConnections() {
        return maxConnections;
    }

    /** The most connections of one user; the next is closed with 1013. */
    public int maxConnectionsPerUser() {
        return maxConnectionsPerUser;
    }

    /** The most connections subscribed to one topic; the next subscribe answers {@code error}. */
    public int maxConnectionsPerTopic() {
        return maxConnectionsPerTopic;
    }

    /** The most topics one connection subscribes to; the next subscribe answers {@code error}. */
    public int maxTopicsPerConnection() {
        return maxTopicsPerConnection;
    }

    /** The largest frame payload a client may send; larger closes with 1009. */
    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    /** Capacity of each connection's outbound queue, in messages. */
    public int outboundQueueSize() {
        return outboundQueueSize;
    }

    /** What a full outbound queue does. */
    public OverflowPolicy overflowPolicy() {
        return overflowPolicy;
    }

    /** Messages per second a connection may send; 0 means unlimited. */
    public int rateLimitPerSecond() {
        return rateLimitPerSecond;
    }

    /** Messages over the rate limit, without a calm second in between, before closing with 1008. */
    public int maxRateLimitViolations() {
        return maxRateLimitViolations;
    }

    /** Bad messages (answered with {@code error}) a connection may send before it is closed with 1008. */
    public int maxBadMessages() {
        return maxBadMessages;
    }

    /** Failed sends after which the cleanup sweep removes a connection. */
    public int failedSendThreshold() {
        return failedSendThreshold;
    }

    /**
     * The hub's requests ({@link WsHub#request}) that may wait for one connection's {@code ack} at
     * once; the next fails at once with {@link WsHubRequestException.Reason#TOO_MANY_PENDING}.
     */
    public int maxPendingRequestsPerConnection() {
        return maxPendingRequestsPerConnection;
    }

    /** Builds {@link LimitSpec}; every setter checks its range at once. Not thread-safe. */
    public static final class Builder {
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private int maxConnectionsPerUser = DEFAULT_MAX_CONNECTIONS_PER_USER;
        private int maxConnectionsPerTopic = DEFAULT_MAX_CONNECTIONS_PER_TOPIC;
        private int maxTopicsPerConnection = DEFAULT_MAX_TOPICS_PER_CONNECTION;
        private int maxFrameBytes = DEFAULT_MAX_FRAME_BYTES;
        private int outboundQueueSize = DEFAULT_OUTBOUND_QUEUE_SIZE;
        private OverflowPolicy overflowPolicy = OverflowPolicy.DROP_OLDEST;
        private int rateLimitPerSecond;
        private int maxRateLimitViolations = DEFAULT_MAX_RATE_LIMIT_VIOLATIONS;
        private int maxBadMessages = DEFAULT_MAX_BAD_MESSAGES;
        private int failedSendThreshold = DEFAULT_FAILED_SEND_THRESHOLD;
        private int maxPendingRequestsPerConnection = DEFAULT_MAX_PENDING_REQUESTS_PER_CONNECTION;

        private Builder() {
        }

        public Builder maxConnections(int v) {
            maxConnections = OptionRange.atLeast("maxConnections", v, 1);
            return this;
        }

        public Builder maxConnectionsPerUser(int v) {
            maxConnectionsPerUser = OptionRange.atLeast("maxConnectionsPerUser", v, 1);
            return this;
        }

        public Builder maxConnectionsPerTopic(int v) {
            maxConnectionsPerTopic = OptionRange.atLeast("maxConnectionsPerTopic", v, 1);
            return this;
        }

        public Builder maxTopicsPerConnection(int v) {
            maxTopicsPerConnection = OptionRange.atLeast("maxTopicsPerConnection", v, 1);
            return this;
        }

        public Builder maxFrameBytes(int v) {
            maxFrameBytes = OptionRange.between("maxFrameBytes", v, MIN_FRAME_BYTES, MAX_FRAME_BYTES);
            return this;
        }

        public Builder outboundQueueSize(int v) {
            outboundQueueSize = OptionRange.between("outboundQueueSize", v, 1, 1 << 20);
            return this;
        }

        public Builder overflowPolicy(OverflowPolicy v) {
            overflowPolicy = Objects.requireNonNull(v, "overflowPolicy");
            return this;
        }

        public Builder rateLimitPerSecond(int v) {
            rateLimitPerSecond = OptionRange.atLeast("rateLimitPerSecond", v, 0);
            return this;
        }

        public Builder maxRateLimitViolations(int v) {
            maxRateLimitViolations = OptionRange.atLeast("maxRateLimitViolations", v, 1);
            return this;
        }

        public Builder maxBadMessages(int v) {
            maxBadMessages = OptionRange.atLeast("maxBadMessages", v, 1);
            return this;
        }

        public Builder failedSendThreshold(int v) {
            failedSendThreshold = OptionRange.atLeast("failedSendThreshold", v, 1);
            return this;
        }

        public Builder maxPendingRequestsPerConnection(int v) {
            maxPendingRequestsPerConnection = OptionRange.between("maxPendingRequestsPerConnection", v, 1, 1 << 16);
            return this;
        }

        public LimitSpec build() {
            return new LimitSpec(this);
        }
    }
}
