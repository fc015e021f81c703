package io.reactivewspool.server;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import io.reactivewspool.broker.Broker;
import io.reactivewspool.broker.LocalBroker;
import io.reactivewspool.history.TopicHistory;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;
import reactor.core.scheduler.Scheduler;

/**
 * Immutable configuration of a {@link WsHub}. Every setter checks its value at once and names
 * the field, the value and the allowed range; {@link Builder#build()} checks cross-field rules.
 *
 * <table>
 * <caption>Options</caption>
 * <tr><th>option</th><th>default</th><th>range</th></tr>
 * <tr><td>heartbeatInterval</td><td>{@link #DEFAULT_HEARTBEAT_INTERVAL} (30 s)</td><td>&gt;= 10 ms</td></tr>
 * <tr><td>connectionTimeout</td><td>{@link #DEFAULT_CONNECTION_TIMEOUT} (300 s)</td><td>&gt;= heartbeatInterval</td></tr>
 * <tr><td>cleanupInterval</td><td>{@link #DEFAULT_CLEANUP_INTERVAL} (60 s)</td><td>&gt;= 10 ms</td></tr>
 * <tr><td>heartbeatMessages</td><td>false</td><td>also send a {@code heartbeat} message each interval</td></tr>
 * <tr><td>maxConnections</td><td>{@value #DEFAULT_MAX_CONNECTIONS}</td><td>&gt;= 1</td></tr>
 * <tr><td>maxConnectionsPerUser</td><td>{@value #DEFAULT_MAX_CONNECTIONS_PER_USER}</td><td>&gt;= 1</td></tr>
 * <tr><td>maxConnectionsPerTopic</td><td>{@value #DEFAULT_MAX_CONNECTIONS_PER_TOPIC}</td><td>&gt;= 1</td></tr>
 * <tr><td>maxTopicsPerConnection</td><td>{@value #DEFAULT_MAX_TOPICS_PER_CONNECTION}</td><td>&gt;= 1</td></tr>
 * <tr><td>maxFrameBytes</td><td>{@value #DEFAULT_MAX_FRAME_BYTES}</td><td>128 .. 16 MiB</td></tr>
 * <tr><td>outboundQueueSize (messages)</td><td>{@value #DEFAULT_OUTBOUND_QUEUE_SIZE}</td><td>1 .. 1,048,576</td></tr>
 * <tr><td>overflowPolicy</td><td>{@link OverflowPolicy#DROP_OLDEST}</td><td></td></tr>
 * <tr><td>rateLimitPerSecond (messages per connection, 0 = off)</td><td>0</td><td>&gt;= 0</td></tr>
 * <tr><td>maxRateLimitViolations (before 1008)</td><td>{@value #DEFAULT_MAX_RATE_LIMIT_VIOLATIONS}</td><td>&gt;= 1</td></tr>
 * <tr><td>maxBadMessages (before 1008)</td><td>{@value #DEFAULT_MAX_BAD_MESSAGES}</td><td>&gt;= 1</td></tr>
 * <tr><td>failedSendThreshold</td><td>{@value #DEFAULT_FAILED_SEND_THRESHOLD}</td><td>&gt;= 1</td></tr>
 * <tr><td>closeDrainPeriod</td><td>{@link #DEFAULT_CLOSE_DRAIN_PERIOD} (2 s)</td><td>0 .. 10 min</td></tr>
 * <tr><td>closeBatchSize</td><td>{@value #DEFAULT_CLOSE_BATCH_SIZE}</td><td>&gt;= 1</td></tr>
 * <tr><td>allowedOrigins</td><td>none: same-origin and non-browser clients only</td><td>exact origins or {@code *}</td></tr>
 * <tr><td>authenticator</td><td>none: every connection anonymous</td><td></td></tr>
 * <tr><td>authenticationTimeout</td><td>{@link #DEFAULT_AUTHENTICATION_TIMEOUT} (10 s)</td><td>10 ms .. 10 min; an
 * authenticator still undecided then: the upgrade is refused with 503</td></tr>
 * <tr><td>topicPolicy</td><td>{@link TopicPolicy#defaults()}</td><td></td></tr>
 * <tr><td>codec</td><td>{@link WsCodec#json()}</td><td></td></tr>
 * <tr><td>broker</td><td>a {@link LocalBroker}</td><td></td></tr>
 * <tr><td>history</td><td>none: topic messages carry no offset, {@code since} is never recovered</td><td>its size &lt; outboundQueueSize</td></tr>
 * <tr><td>scheduler</td><td>none: the hub creates and disposes its own</td><td></td></tr>
 * <tr><td>presenceTopics</td><td>none: {@link WsHub#presence(String)} only for presenceEvents topics</td><td>topic glob patterns</td></tr>
 * <tr><td>presenceEvents</td><td>none: no {@code join}/{@code leave} messages</td><td>topic glob patterns</td></tr>
 * <tr><td>clusterStateTtl</td><td>{@link #DEFAULT_CLUSTER_STATE_TTL} (15 s)</td><td>300 ms .. 10 min; refreshed every third of it</td></tr>
 * </table>
 *
 * <pre>{@code
 * WsHubOptions options = WsHubOptions.builder()
 *         .maxConnections(50_000)
 *         .overflowPolicy(OverflowPolicy.DISCONNECT)
 *         .handler("echo", ctx -> Mono.just(ctx.message()))
 *         .build();
 * }</pre>
 */
public final class WsHubOptions {

    /** Default {@code heartbeatInterval}: 30 s. */
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(30);
    /** Default {@code connectionTimeout}: 300 s. */
    public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(300);
    /** Default {@code cleanupInterval}: 60 s. */
    public static final Duration DEFAULT_CLEANUP_INTERVAL = Duration.ofSeconds(60);
    /** Default {@code closeDrainPeriod}: 2 s. */
    public static final Duration DEFAULT_CLOSE_DRAIN_PERIOD = Duration.ofSeconds(2);
    /** Default {@code authenticationTimeout}: 10 s. */
    public static final Duration DEFAULT_AUTHENTICATION_TIMEOUT = Duration.ofSeconds(10);
    /** Default {@code clusterStateTtl}: 15 s. */
    public static final Duration DEFAULT_CLUSTER_STATE_TTL = Duration.ofSeconds(15);
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    public static final int DEFAULT_MAX_CONNECTIONS_PER_USER = 100;
    public static final int DEFAULT_MAX_CONNECTIONS_PER_TOPIC = 1_000;
    public static final int DEFAULT_MAX_TOPICS_PER_CONNECTION = 100;
    public static final int DEFAULT_MAX_FRAME_BYTES = 65_536;
    public static final int DEFAULT_OUTBOUND_QUEUE_SIZE = 1_024;
    public static final int DEFAULT_MAX_RATE_LIMIT_VIOLATIONS = 10;
    public static final int DEFAULT_MAX_BAD_MESSAGES = 100;
    public static final int DEFAULT_FAILED_SEND_THRESHOLD = 5;
    public static final int DEFAULT_CLOSE_BATCH_SIZE = 100;

    static final Set<String> RESERVED_TYPES = Set.of(WsMessage.SUBSCRIBE, WsMessage.UNSUBSCRIBE,
            WsMessage.PUBLISH, WsMessage.PING);

    private static final WsHubOptions DEFAULTS = builder().build();

    private final Duration heartbeatInterval;
    private final Duration connectionTimeout;
    private final Duration cleanupInterval;
    private final boolean heartbeatMessages;
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
    private final Duration closeDrainPeriod;
    private final int closeBatchSize;
    private final Set<String> allowedOrigins;
    private final Authenticator authenticator;
    private final Duration authenticationTimeout;
    private final TopicPolicy topicPolicy;
    private final WsCodec codec;
    private final Broker broker;
    private final TopicHistory history;
    private final Scheduler scheduler;
    private final Map<String, MessageHandler> handlers;
    private final java.util.List<ConnectionListener> connectionListeners;
    private final java.util.List<String> presenceTopics;
    private final java.util.List<java.util.regex.Pattern> presenceTopicPatterns;
    private final java.util.List<String> presenceEvents;
    private final java.util.List<java.util.regex.Pattern> presencePatterns;
    private final Duration clusterStateTtl;

    private WsHubOptions(Builder b) {
        this.heartbeatInterval = b.heartbeatInterval;
        this.connectionTimeout = b.connectionTimeout;
        this.cleanupInterval = b.cleanupInterval;
        this.heartbeatMessages = b.heartbeatMessages;
        this.maxConnections = b.maxConnections;
        this.maxConnectionsPerUser = b.maxConnectionsPerUser;
        this.maxConnectionsPerTopic = b.maxConnectionsPerTopic;
        this.maxTopicsPerConnection = b.maxTopicsPerConnection;
        this.maxFrameBytes = b.maxFrameBytes;
        this.outboundQueueSize = b.outboundQueueSize;
        this.overflowPolicy = b.overflowPolicy;
        this.rateLimitPerSecond = b.rateLimitPerSecond;
        this.maxRateLimitViolations = b.maxRateLimitViolations;
        this.maxBadMessages = b.maxBadMessages;
        this.failedSendThreshold = b.failedSendThreshold;
        this.closeDrainPeriod = b.closeDrainPeriod;
        this.closeBatchSize = b.closeBatchSize;
        // Not Set.copyOf: its iteration order changes from one JVM to the next; keep the given order.
        this.allowedOrigins = java.util.Collections.unmodifiableSet(new LinkedHashSet<>(b.allowedOrigins));
        this.authenticator = b.authenticator;
        this.authenticationTimeout = b.authenticationTimeout;
        this.topicPolicy = b.topicPolicy;
        this.codec = b.codec;
        this.broker = b.broker != null ? b.broker : new LocalBroker();
        this.history = b.history;
        this.scheduler = b.scheduler;
        this.handlers = Map.copyOf(b.handlers);
        this.connectionListeners = java.util.List.copyOf(b.connectionListeners);
        this.presenceTopics = java.util.List.copyOf(b.presenceTopics);
        this.presenceTopicPatterns = presenceTopics.stream().map(TopicPolicy::glob).toList();
        this.presenceEvents = java.util.List.copyOf(b.presenceEvents);
        this.presencePatterns = presenceEvents.stream().map(TopicPolicy::glob).toList();
        this.clusterStateTtl = b.clusterStateTtl;
    }

    /** The default options. */
    public static WsHubOptions defaults() {
        return DEFAULTS;
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder pre-filled with these options. */
    public Builder mutate() {
        return new Builder(this);
    }

    /** How often ping frames (and heartbeat messages, when on) go out. */
    public Duration heartbeatInterval() {
        return heartbeatInterval;
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
    public boolean heartbeatMessages() {
        return heartbeatMessages;
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

    /** Over how long a graceful close spreads its 1001 closes. */
    public Duration closeDrainPeriod() {
        return closeDrainPeriod;
    }

    /** How many connections a graceful close closes per batch. */
    public int closeBatchSize() {
        return closeBatchSize;
    }

    /** Origins allowed to connect; empty means same-origin and non-browser clients only. */
    public Set<String> allowedOrigins() {
        return allowedOrigins;
    }

    /** The authenticator, or {@code null}: every connection is anonymous. */
    public Authenticator authenticator() {
        return authenticator;
    }

    /** How long an upgrade waits for the authenticator before it is refused with 503. */
    public Duration authenticationTimeout() {
        return authenticationTimeout;
    }

    /** The topic policy. */
    public TopicPolicy topicPolicy() {
        return topicPolicy;
    }

    /** The codec. */
    public WsCodec codec() {
        return codec;
    }

    /** The broker. */
    public Broker broker() {
        return broker;
    }

    /**
     * The topic history, or {@code null} when none: with one, every single-topic message (a
     * client's {@code publish}, {@link WsHub#broadcast(String, String, Object)}) is stored and
     * delivered with its {@code offset}, and {@code subscribe} with {@code data.since} replays what
     * a client missed.
     */
    public TopicHistory history() {
        return history;
    }

    /** The injected timer scheduler, or {@code null}: the hub owns one. */
    public Scheduler scheduler() {
        return scheduler;
    }

    /** Listeners told of every connection's open and close. */
    public java.util.List<ConnectionListener> connectionListeners() {
        return connectionListeners;
    }

    /** Application message handlers by message type. */
    public Map<String, MessageHandler> handlers() {
        return handlers;
    }

    /** The topic glob patterns whose subscribers receive {@code join} and {@code leave} messages. */
    public java.util.List<String> presenceEvents() {
        return presenceEvents;
    }

    /** Whether a topic's subscribers receive {@code join} and {@code leave} messages. */
    public boolean presenceEvents(String topic) {
        return matches(presencePatterns, topic);
    }

    /** The topic glob patterns whose presence the hub tracks (besides the {@link #presenceEvents()} ones). */
    public java.util.List<String> presenceTopics() {
        return presenceTopics;
    }

    /**
     * Whether the hub tracks the presence of a topic, so that {@link WsHub#presence(String)} answers
     * for it: the topic matches a {@link #presenceTopics()} or a {@link #presenceEvents()} pattern.
     */
    public boolean tracksPresence(String topic) {
        return matches(presenceTopicPatterns, topic) || matches(presencePatterns, topic);
    }

    private static boolean matches(java.util.List<java.util.regex.Pattern> patterns, String topic) {
        for (java.util.regex.Pattern p : patterns) {
            if (p.matcher(topic).matches()) {
                return true;
            }
        }
        return false;
    }

    /**
     * How long a node's entries in the cluster state (its stats, its share of each tracked topic's
     * presence) count without a heartbeat: the hub writes an entry when it changes and refreshes
     * one heartbeat per node every third of this, so a node that stops drops out after at most
     * this long, whatever the number of its topics.
     */
    public Duration clusterStateTtl() {
        return clusterStateTtl;
    }

    /** Builds {@link WsHubOptions}. Not thread-safe. */
    public static final class Builder {
        private Duration heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL;
        private Duration connectionTimeout = DEFAULT_CONNECTION_TIMEOUT;
        private Duration cleanupInterval = DEFAULT_CLEANUP_INTERVAL;
        private boolean heartbeatMessages;
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
        private Duration closeDrainPeriod = DEFAULT_CLOSE_DRAIN_PERIOD;
        private int closeBatchSize = DEFAULT_CLOSE_BATCH_SIZE;
        private Set<String> allowedOrigins = new LinkedHashSet<>();
        private Authenticator authenticator;
        private Duration authenticationTimeout = DEFAULT_AUTHENTICATION_TIMEOUT;
        private TopicPolicy topicPolicy = TopicPolicy.defaults();
        private WsCodec codec = WsCodec.json();
        private Broker broker;
        private TopicHistory history;
        private Scheduler scheduler;
        private Map<String, MessageHandler> handlers = new LinkedHashMap<>();
        private java.util.List<ConnectionListener> connectionListeners = new java.util.ArrayList<>();
        private java.util.List<String> presenceTopics = java.util.List.of();
        private java.util.List<String> presenceEvents = java.util.List.of();
        private Duration clusterStateTtl = DEFAULT_CLUSTER_STATE_TTL;

        private Builder() {
        }

        private Builder(WsHubOptions o) {
            heartbeatInterval = o.heartbeatInterval;
            connectionTimeout = o.connectionTimeout;
            cleanupInterval = o.cleanupInterval;
            heartbeatMessages = o.heartbeatMessages;
            maxConnections = o.maxConnections;
            maxConnectionsPerUser = o.maxConnectionsPerUser;
            maxConnectionsPerTopic = o.maxConnectionsPerTopic;
            maxTopicsPerConnection = o.maxTopicsPerConnection;
            maxFrameBytes = o.maxFrameBytes;
            outboundQueueSize = o.outboundQueueSize;
            overflowPolicy = o.overflowPolicy;
            rateLimitPerSecond = o.rateLimitPerSecond;
            maxRateLimitViolations = o.maxRateLimitViolations;
            maxBadMessages = o.maxBadMessages;
            failedSendThreshold = o.failedSendThreshold;
            closeDrainPeriod = o.closeDrainPeriod;
            closeBatchSize = o.closeBatchSize;
            allowedOrigins = new LinkedHashSet<>(o.allowedOrigins);
            authenticator = o.authenticator;
            authenticationTimeout = o.authenticationTimeout;
            topicPolicy = o.topicPolicy;
            codec = o.codec;
            broker = o.broker;
            history = o.history;
            scheduler = o.scheduler;
            handlers = new LinkedHashMap<>(o.handlers);
            connectionListeners = new java.util.ArrayList<>(o.connectionListeners);
            presenceTopics = o.presenceTopics;
            presenceEvents = o.presenceEvents;
            clusterStateTtl = o.clusterStateTtl;
        }

        public Builder heartbeatInterval(Duration v) {
            heartbeatInterval = atLeast("heartbeatInterval", v, Duration.ofMillis(10));
            return this;
        }

        public Builder connectionTimeout(Duration v) {
            connectionTimeout = atLeast("connectionTimeout", v, Duration.ofMillis(10));
            return this;
        }

        public Builder cleanupInterval(Duration v) {
            cleanupInterval = atLeast("cleanupInterval", v, Duration.ofMillis(10));
            return this;
        }

        public Builder heartbeatMessages(boolean v) {
            heartbeatMessages = v;
            return this;
        }

        public Builder maxConnections(int v) {
            maxConnections = atLeast("maxConnections", v, 1);
            return this;
        }

        public Builder maxConnectionsPerUser(int v) {
            maxConnectionsPerUser = atLeast("maxConnectionsPerUser", v, 1);
            return this;
        }

        public Builder maxConnectionsPerTopic(int v) {
            maxConnectionsPerTopic = atLeast("maxConnectionsPerTopic", v, 1);
            return this;
        }

        public Builder maxTopicsPerConnection(int v) {
            maxTopicsPerConnection = atLeast("maxTopicsPerConnection", v, 1);
            return this;
        }

        public Builder maxFrameBytes(int v) {
            if (v < 128 || v > 16 * 1024 * 1024) {
                throw new IllegalArgumentException("maxFrameBytes must be between 128 and 16777216, was " + v);
            }
            maxFrameBytes = v;
            return this;
        }

        public Builder outboundQueueSize(int v) {
            if (v < 1 || v > 1 << 20) {
                throw new IllegalArgumentException("outboundQueueSize must be between 1 and 1048576, was " + v);
            }
            outboundQueueSize = v;
            return this;
        }

        public Builder overflowPolicy(OverflowPolicy v) {
            overflowPolicy = Objects.requireNonNull(v, "overflowPolicy");
            return this;
        }

        public Builder rateLimitPerSecond(int v) {
            rateLimitPerSecond = atLeast("rateLimitPerSecond", v, 0);
            return this;
        }

        public Builder maxRateLimitViolations(int v) {
            maxRateLimitViolations = atLeast("maxRateLimitViolations", v, 1);
            return this;
        }

        public Builder maxBadMessages(int v) {
            maxBadMessages = atLeast("maxBadMessages", v, 1);
            return this;
        }

        public Builder failedSendThreshold(int v) {
            failedSendThreshold = atLeast("failedSendThreshold", v, 1);
            return this;
        }

        public Builder closeDrainPeriod(Duration v) {
            Objects.requireNonNull(v, "closeDrainPeriod");
            if (v.isNegative() || v.compareTo(Duration.ofMinutes(10)) > 0) {
                throw new IllegalArgumentException("closeDrainPeriod must be between 0 and PT10M, was " + v);
            }
            closeDrainPeriod = v;
            return this;
        }

        public Builder closeBatchSize(int v) {
            closeBatchSize = atLeast("closeBatchSize", v, 1);
            return this;
        }

        /** Replaces the allowed origins ({@code "https://app.example.com"}, or {@code "*"} for any). */
        public Builder allowedOrigins(Set<String> origins) {
            Objects.requireNonNull(origins, "allowedOrigins");
            for (String o : origins) {
                if (o == null || o.isBlank()) {
                    throw new IllegalArgumentException("allowedOrigins must not contain blank entries, was " + origins);
                }
            }
            allowedOrigins = new LinkedHashSet<>(origins);
            return this;
        }

        /** The authenticator; {@code null} makes every connection anonymous. */
        public Builder authenticator(Authenticator v) {
            authenticator = v;
            return this;
        }

        /**
         * How long an upgrade waits for the {@link Authenticator}: one still undecided then (a slow
         * identity provider, a hung call) is refused with 503, so waiting clients cannot pile up.
         */
        public Builder authenticationTimeout(Duration v) {
            Objects.requireNonNull(v, "authenticationTimeout");
            if (v.compareTo(Duration.ofMillis(10)) < 0 || v.compareTo(Duration.ofMinutes(10)) > 0) {
                throw new IllegalArgumentException("authenticationTimeout must be between PT0.01S and PT10M, was " + v);
            }
            authenticationTimeout = v;
            return this;
        }

        public Builder topicPolicy(TopicPolicy v) {
            topicPolicy = Objects.requireNonNull(v, "topicPolicy");
            return this;
        }

        public Builder codec(WsCodec v) {
            codec = Objects.requireNonNull(v, "codec");
            return this;
        }

        /** The broker; {@code null} means a new {@link LocalBroker}. */
        public Builder broker(Broker v) {
            broker = v;
            return this;
        }

        /**
         * The topic history; {@code null} (the default) means none. On one node use
         * {@link TopicHistory#inMemory(io.reactivewspool.history.HistoryOptions)}; in a cluster,
         * the Redis broker's {@code history(...)} so that every node shares one offset sequence.
         *
         * <pre>{@code
         * builder.history(TopicHistory.inMemory(HistoryOptions.builder().size(500).build()));
         * }</pre>
         */
        public Builder history(TopicHistory v) {
            history = v;
            return this;
        }

        /**
         * The scheduler for heartbeat, cleanup and graceful-close timing (for example a
         * {@code VirtualTimeScheduler} in tests). The hub does not dispose an injected scheduler.
         */
        public Builder scheduler(Scheduler v) {
            scheduler = v;
            return this;
        }

        /** Adds a listener told of every connection's open and close (see {@link ConnectionListener}). */
        public Builder connectionListener(ConnectionListener listener) {
            connectionListeners.add(java.util.Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * The topics (glob patterns, {@code *} and {@code ?}) whose subscribers receive a
         * {@code join} message when a connection subscribes and a {@code leave} message when one
         * unsubscribes or closes, on every node. Replaces earlier patterns; empty (the default): none.
         *
         * <pre>{@code
         * builder.presenceEvents(List.of("room/*"));
         * }</pre>
         */
        public Builder presenceEvents(java.util.Collection<String> globPatterns) {
            presenceEvents = globs("presenceEvents", globPatterns);
            return this;
        }

        /**
         * The topics (glob patterns, {@code *} and {@code ?}) whose presence the hub tracks, so that
         * {@link WsHub#presence(String)} answers for them; topics with {@link #presenceEvents} are
         * tracked too. Replaces earlier patterns; empty (the default): only those. With a cluster
         * broker each tracked topic costs one entry per node in the broker, written when its
         * subscribers change; an untracked topic costs nothing there, and asking its presence is
         * an error (on one node too, so that a single-node test finds what a cluster would refuse).
         *
         * <pre>{@code
         * builder.presenceTopics(List.of("room/*", "doc/*"));
         * }</pre>
         */
        public Builder presenceTopics(java.util.Collection<String> globPatterns) {
            presenceTopics = globs("presenceTopics", globPatterns);
            return this;
        }

        private static java.util.List<String> globs(String field, java.util.Collection<String> globPatterns) {
            Objects.requireNonNull(globPatterns, field);
            for (String g : globPatterns) {
                if (g == null || g.isBlank()) {
                    throw new IllegalArgumentException(field + " must not contain blank patterns, was " + globPatterns);
                }
            }
            return java.util.List.copyOf(globPatterns);
        }

        /** See {@link WsHubOptions#clusterStateTtl()}; 300 ms .. 10 min. */
        public Builder clusterStateTtl(Duration v) {
            Objects.requireNonNull(v, "clusterStateTtl");
            if (v.compareTo(Duration.ofMillis(300)) < 0 || v.compareTo(Duration.ofMinutes(10)) > 0) {
                throw new IllegalArgumentException("clusterStateTtl must be between PT0.3S and PT10M, was " + v);
            }
            clusterStateTtl = v;
            return this;
        }

        /** Registers the handler for an application message type. */
        public Builder handler(String type, MessageHandler handler) {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(handler, "handler");
            if (type.isEmpty() || RESERVED_TYPES.contains(type)) {
                throw new IllegalArgumentException("handler type must be an application type, not one of "
                        + RESERVED_TYPES + " or empty, was '" + type + "'");
            }
            handlers.put(type, handler);
            return this;
        }

        /**
         * The options; checks that connectionTimeout is at least heartbeatInterval, and that a full
         * replay of the history and its {@code subscribed} reply fit an outbound queue.
         */
        public WsHubOptions build() {
            if (connectionTimeout.compareTo(heartbeatInterval) < 0) {
                throw new IllegalArgumentException("connectionTimeout must be >= heartbeatInterval (" + heartbeatInterval
                        + "), was " + connectionTimeout);
            }
            if (history != null && history.maxReplay() >= outboundQueueSize) {
                throw new IllegalArgumentException("outboundQueueSize must be > the history size (" + history.maxReplay()
                        + " messages per topic) so that a full replay and its reply fit a connection's queue, was "
                        + outboundQueueSize + "; raise outboundQueueSize or lower the history size (HistoryOptions.size)");
            }
            return new WsHubOptions(this);
        }

        private static Duration atLeast(String field, Duration v, Duration min) {
            Objects.requireNonNull(v, field);
            if (v.compareTo(min) < 0) {
                throw new IllegalArgumentException(field + " must be >= " + min + ", was " + v);
            }
            return v;
        }

        private static int atLeast(String field, int v, int min) {
            if (v < min) {
                throw new IllegalArgumentException(field + " must be >= " + min + ", was " + v);
            }
            return v;
        }
    }
}
