package io.reactivewspool.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import io.reactivewspool.broker.Broker;
import io.reactivewspool.broker.LocalBroker;
import io.reactivewspool.history.HistoryOptions;
import io.reactivewspool.history.TopicHistory;
import io.reactivewspool.internal.OptionRange;
import io.reactivewspool.internal.server.Origins;
import io.reactivewspool.internal.server.Subprotocols;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;
import reactor.core.scheduler.Scheduler;

/**
 * Immutable configuration of a {@link WsHub}: small specs for the limits, the heartbeat, the
 * shutdown and the cluster, and the hub's parts (authenticator, topic policy, codec, broker,
 * history, handlers). Every setter checks its value at once and names the field, the value and
 * the allowed range; {@link Builder#build()} checks cross-field rules. The builder sets a spec's
 * options one by one ({@code maxConnections(50_000)}) or the whole spec ({@code limits(spec)}).
 *
 * <table>
 * <caption>Options</caption>
 * <tr><th>option</th><th>default</th><th>range</th></tr>
 * <tr><td>limits</td><td>{@link LimitSpec#defaults()}</td><td>see {@link LimitSpec}</td></tr>
 * <tr><td>heartbeat</td><td>{@link HeartbeatSpec#defaults()}</td><td>see {@link HeartbeatSpec}</td></tr>
 * <tr><td>shutdown</td><td>{@link ShutdownSpec#defaults()}</td><td>see {@link ShutdownSpec}</td></tr>
 * <tr><td>cluster</td><td>{@link ClusterSpec#defaults()}</td><td>see {@link ClusterSpec}</td></tr>
 * <tr><td>allowedOrigins</td><td>none: same-origin and non-browser clients only</td><td>exact origins or {@code *}</td></tr>
 * <tr><td>authenticator</td><td>none: every connection anonymous</td><td></td></tr>
 * <tr><td>authenticationTimeout</td><td>{@link #DEFAULT_AUTHENTICATION_TIMEOUT} (10 s)</td><td>10 ms .. 10 min; an
 * authenticator still undecided then: the upgrade is refused with 503</td></tr>
 * <tr><td>topicPolicy</td><td>{@link TopicPolicy#defaults()}</td><td></td></tr>
 * <tr><td>codec</td><td>{@link WsCodec#json()}</td><td>what a client gets that asks for no subprotocol, or
 * only for unknown ones; also the encoding of the broker's and the history's bytes</td></tr>
 * <tr><td>codecs</td><td>none besides {@code codec}</td><td>codecs a client may ask for by
 * {@code Sec-WebSocket-Protocol}, each under its {@link WsCodec#subprotocol()}; names unique</td></tr>
 * <tr><td>broker</td><td>a {@link LocalBroker}</td><td></td></tr>
 * <tr><td>history</td><td>none: topic messages carry no offset, {@code since} is never recovered</td><td>its size &lt; outboundQueueSize</td></tr>
 * <tr><td>scheduler</td><td>none: the hub creates and disposes its own</td><td></td></tr>
 * </table>
 *
 * <pre>{@code
 * WsHubOptions options = WsHubOptions.builder()
 *         .maxConnections(50_000)
 *         .overflowPolicy(OverflowPolicy.DISCONNECT)
 *         .handler("echo", ctx -> Mono.just(ctx.message()))
 *         .codecs(WsCodec.cbor(), WsCodec.messagePack())   // wspool.json, wspool.cbor, wspool.msgpack
 *         .build();
 * int max = options.limits().maxConnections();
 * }</pre>
 */
public final class WsHubOptions {

    /** Default {@code authenticationTimeout}: 10 s. */
    public static final Duration DEFAULT_AUTHENTICATION_TIMEOUT = Duration.ofSeconds(10);

    private static final WsHubOptions DEFAULTS = builder().build();

    private final LimitSpec limits;
    private final HeartbeatSpec heartbeat;
    private final ShutdownSpec shutdown;
    private final ClusterSpec cluster;
    private final Set<String> allowedOrigins;
    private final Authenticator authenticator;
    private final Duration authenticationTimeout;
    private final TopicPolicy topicPolicy;
    private final WsCodec codec;
    private final List<WsCodec> codecs;
    private final Broker broker;
    private final TopicHistory history;
    private final Scheduler scheduler;
    private final Map<String, MessageHandler> handlers;
    private final List<ConnectionListener> connectionListeners;

    private WsHubOptions(Builder b, LimitSpec limits, HeartbeatSpec heartbeat) {
        this.limits = limits;
        this.heartbeat = heartbeat;
        this.shutdown = b.shutdown.build();
        this.cluster = b.cluster.build();
        // Not Set.copyOf: its iteration order changes from one JVM to the next; keep the given order.
        this.allowedOrigins = Collections.unmodifiableSet(new LinkedHashSet<>(b.allowedOrigins));
        this.authenticator = b.authenticator;
        this.authenticationTimeout = b.authenticationTimeout;
        this.topicPolicy = b.topicPolicy;
        this.codec = b.codec;
        this.codecs = Subprotocols.negotiable(b.codec, b.codecs);
        this.broker = b.broker != null ? b.broker : new LocalBroker();
        this.history = b.history;
        this.scheduler = b.scheduler;
        this.handlers = Map.copyOf(b.handlers);
        this.connectionListeners = List.copyOf(b.connectionListeners);
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

    /** The limits: connections, topics, frame size, outbound queue, misbehaviour. */
    public LimitSpec limits() {
        return limits;
    }

    /** The heartbeat: ping interval, connection timeout, cleanup sweep. */
    public HeartbeatSpec heartbeat() {
        return heartbeat;
    }

    /** How a graceful close closes the connections. */
    public ShutdownSpec shutdown() {
        return shutdown;
    }

    /** Presence and the cluster state. */
    public ClusterSpec cluster() {
        return cluster;
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

    /**
     * The codecs a client may ask for by subprotocol: those of {@link Builder#codecs}, then
     * {@link #codec()} when it has a subprotocol no other listed codec has. Immutable.
     */
    public List<WsCodec> codecs() {
        return codecs;
    }

    /** The broker. */
    public Broker broker() {
        return broker;
    }

    /**
     * The topic history, or {@code null}: with one, every single-topic message is stored and delivered
     * with its {@code offset}, and {@code subscribe} with {@code data.since} replays what a client missed.
     */
    public TopicHistory history() {
        return history;
    }

    /** The injected timer scheduler, or {@code null}: the hub owns one. */
    public Scheduler scheduler() {
        return scheduler;
    }

    /** Listeners told of every connection's open and close. */
    public List<ConnectionListener> connectionListeners() {
        return connectionListeners;
    }

    /** Application message handlers by message type. */
    public Map<String, MessageHandler> handlers() {
        return handlers;
    }

    /**
     * Builds {@link WsHubOptions}. A spec's options are set one by one here (each the same as on
     * the spec's builder) or as a whole spec. Not thread-safe.
     */
    public static final class Builder {
        private LimitSpec.Builder limits = LimitSpec.builder();
        private HeartbeatSpec.Builder heartbeat = HeartbeatSpec.builder();
        private ShutdownSpec.Builder shutdown = ShutdownSpec.builder();
        private ClusterSpec.Builder cluster = ClusterSpec.builder();
        private Set<String> allowedOrigins = new LinkedHashSet<>();
        private Authenticator authenticator;
        private Duration authenticationTimeout = DEFAULT_AUTHENTICATION_TIMEOUT;
        private TopicPolicy topicPolicy = TopicPolicy.defaults();
        private WsCodec codec = WsCodec.json();
        private List<WsCodec> codecs = List.of();
        private Broker broker;
        private TopicHistory history;
        private Scheduler scheduler;
        private Map<String, MessageHandler> handlers = new LinkedHashMap<>();
        private List<ConnectionListener> connectionListeners = new ArrayList<>();

        private Builder() {
        }

        private Builder(WsHubOptions o) {
            limits = o.limits.mutate();
            heartbeat = o.heartbeat.mutate();
            shutdown = o.shutdown.mutate();
            cluster = o.cluster.mutate();
            allowedOrigins = new LinkedHashSet<>(o.allowedOrigins);
            authenticator = o.authenticator;
            authenticationTimeout = o.authenticationTimeout;
            topicPolicy = o.topicPolicy;
            codec = o.codec;
            codecs = o.codecs.stream().filter(c -> c != o.codec).toList();
            broker = o.broker;
            history = o.history;
            scheduler = o.scheduler;
            handlers = new LinkedHashMap<>(o.handlers);
            connectionListeners = new ArrayList<>(o.connectionListeners);
        }

        /** Replaces all limits. */
        public Builder limits(LimitSpec v) {
            limits = Objects.requireNonNull(v, "limits").mutate();
            return this;
        }

        /** Replaces the heartbeat. */
        public Builder heartbeat(HeartbeatSpec v) {
            heartbeat = Objects.requireNonNull(v, "heartbeat").mutate();
            return this;
        }

        /** Replaces the shutdown. */
        public Builder shutdown(ShutdownSpec v) {
            shutdown = Objects.requireNonNull(v, "shutdown").mutate();
            return this;
        }

        /** Replaces the cluster settings. */
        public Builder cluster(ClusterSpec v) {
            cluster = Objects.requireNonNull(v, "cluster").mutate();
            return this;
        }

        /** {@link HeartbeatSpec.Builder#interval}. */
        public Builder heartbeatInterval(Duration v) {
            heartbeat.interval(v);
            return this;
        }

        /** {@link HeartbeatSpec.Builder#connectionTimeout}. */
        public Builder connectionTimeout(Duration v) {
            heartbeat.connectionTimeout(v);
            return this;
        }

        /** {@link HeartbeatSpec.Builder#cleanupInterval}. */
        public Builder cleanupInterval(Duration v) {
            heartbeat.cleanupInterval(v);
            return this;
        }

        /** {@link HeartbeatSpec.Builder#messages}. */
        public Builder heartbeatMessages(boolean v) {
            heartbeat.messages(v);
            return this;
        }

        /** {@link LimitSpec.Builder#maxConnections}. */
        public Builder maxConnections(int v) {
            limits.maxConnections(v);
            return this;
        }

        /** {@link LimitSpec.Builder#maxConnectionsPerUser}. */
        public Builder maxConnectionsPerUser(int v) {
            limits.maxConnectionsPerUser(v);
            return this;
        }

        /** {@link LimitSpec.Builder#maxConnectionsPerTopic}. */
        public Builder maxConnectionsPerTopic(int v) {
            limits.maxConnectionsPerTopic(v);
            return this;
        }

        /** {@link LimitSpec.Builder#maxTopicsPerConnection}. */
        public Builder maxTopicsPerConnection(int v) {
            limits.maxTopicsPerConnection(v);
            return this;
        }

        /** {@link LimitSpec.Builder#maxFrameBytes}. */
        public Builder maxFrameBytes(int v) {
            limits.maxFrameBytes(v);
            return this;
        }

        /** {@link LimitSpec.Builder#outboundQueueSize}. */
        public Builder outboundQueueSize(int v) {
            limits.outboundQueueSize(v);
            return this;
        }

        /** {@link LimitSpec.Builder#overflowPolicy}. */
        public Builder overflowPolicy(OverflowPolicy v) {
            limits.overflowPolicy(v);
            return this;
        }

        /** {@link LimitSpec.Builder#rateLimitPerSecond}. */
        public Builder rateLimitPerSecond(int v) {
            limits.rateLimitPerSecond(v);
            return this;
        }

        /** {@link LimitSpec.Builder#maxRateLimitViolations}. */
        public Builder maxRateLimitViolations(int v) {
            limits.maxRateLimitViolations(v);
            return this;
        }

        /** {@link LimitSpec.Builder#maxBadMessages}. */
        public Builder maxBadMessages(int v) {
            limits.maxBadMessages(v);
            return this;
        }

        /** {@link LimitSpec.Builder#maxPendingRequestsPerConnection}. */
        public Builder maxPendingRequestsPerConnection(int v) {
            limits.maxPendingRequestsPerConnection(v);
            return this;
        }

        /** {@link LimitSpec.Builder#failedSendThreshold}. */
        public Builder failedSendThreshold(int v) {
            limits.failedSendThreshold(v);
            return this;
        }

        /** {@link ShutdownSpec.Builder#drainPeriod}. */
        public Builder closeDrainPeriod(Duration v) {
            shutdown.drainPeriod(v);
            return this;
        }

        /** {@link ShutdownSpec.Builder#batchSize}. */
        public Builder closeBatchSize(int v) {
            shutdown.batchSize(v);
            return this;
        }

        /** {@link ClusterSpec.Builder#presenceEvents}, e.g. {@code List.of("room/*")}. */
        public Builder presenceEvents(Collection<String> globPatterns) {
            cluster.presenceEvents(globPatterns);
            return this;
        }

        /** {@link ClusterSpec.Builder#presenceTopics}, e.g. {@code List.of("room/*", "doc/*")}. */
        public Builder presenceTopics(Collection<String> globPatterns) {
            cluster.presenceTopics(globPatterns);
            return this;
        }

        /** {@link ClusterSpec.Builder#stateTtl}. */
        public Builder clusterStateTtl(Duration v) {
            cluster.stateTtl(v);
            return this;
        }

        /** Replaces the allowed origins ({@code "https://app.example.com"}, or {@code "*"} for any). */
        public Builder allowedOrigins(Set<String> origins) {
            allowedOrigins = Origins.checked(origins);
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
            authenticationTimeout = OptionRange.between("authenticationTimeout", v, Duration.ofMillis(10), Duration.ofMinutes(10));
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

        /**
         * The codecs a client may choose per connection with {@code Sec-WebSocket-Protocol}, each under
         * its {@link WsCodec#subprotocol()} (replaces any set before). {@link #codec} is offered too,
         * under its own name. The hub answers the first subprotocol the client lists that it knows; a
         * client that lists none it knows gets {@link #codec} and no subprotocol in the answer.
         *
         * @throws IllegalArgumentException when a codec has no valid subprotocol, or shares another's
         */
        public Builder codecs(WsCodec... v) {
            codecs = Subprotocols.checked(v);
            return this;
        }

        /** The broker; {@code null} means a new {@link LocalBroker}. */
        public Builder broker(Broker v) {
            broker = v;
            return this;
        }

        /**
         * The topic history; {@code null} (the default) means none. On one node use
         * {@link TopicHistory#inMemory(HistoryOptions)}; in a cluster, the Redis broker's
         * {@code history(...)} so that every node shares one offset sequence.
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
            connectionListeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** Registers the handler for an application message type. */
        public Builder handler(String type, MessageHandler handler) {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(handler, "handler");
            if (type.isEmpty() || WsMessage.PROTOCOL_TYPES.contains(type)) {
                throw new IllegalArgumentException("handler type must be an application type, not one of "
                        + WsMessage.PROTOCOL_TYPES + " or empty, was '" + type + "'");
            }
            handlers.put(type, handler);
            return this;
        }

        /**
         * The options; checks that connectionTimeout is at least heartbeatInterval, and that a full
         * replay of the history and its {@code subscribed} reply fit an outbound queue.
         */
        public WsHubOptions build() {
            HeartbeatSpec hb = heartbeat.build();
            LimitSpec l = limits.build();
            if (history != null && history.maxReplay() >= l.outboundQueueSize()) {
                throw new IllegalArgumentException("outboundQueueSize must be > the history size (" + history.maxReplay()
                        + " messages per topic) so that a full replay and its reply fit a connection's queue, was "
                        + l.outboundQueueSize() + "; raise outboundQueueSize or lower the history size (HistoryOptions.size)");
            }
            return new WsHubOptions(this, l, hb);
        }
    }
}
