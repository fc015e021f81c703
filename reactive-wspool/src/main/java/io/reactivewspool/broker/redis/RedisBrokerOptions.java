package io.reactivewspool.broker.redis;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

import io.reactivewspool.internal.OptionRange;

/**
 * Immutable settings of a {@link RedisBroker}. Build with {@link #builder(String)} for one server
 * or a Sentinel-watched master, or with {@link #cluster(List)} for a Redis Cluster.
 *
 * <table>
 * <caption>Options and defaults</caption>
 * <tr><th>option</th><th>default</th><th>range</th></tr>
 * <tr><td>uri</td><td>(required)</td><td>{@code redis://[password@]host:port[/db]} or {@code rediss://…} (one
 * server); {@code redis-sentinel://[password@]host:port[,host:port…][/db]#MASTER} (or {@code rediss-sentinel://…}:
 * the master the Sentinels name, followed through failovers)</td></tr>
 * <tr><td>clusterNodes</td><td>(none)</td><td>with {@link #cluster(List)}: 1..64 seed nodes
 * {@code redis://[password@]host:port} or {@code rediss://…}; the rest of the cluster is discovered</td></tr>
 * <tr><td>channelPrefix</td><td>{@value #DEFAULT_CHANNEL_PREFIX}</td><td>1..64 characters, no spaces (in a
 * cluster also no {@code {} or {@code }}: the broker's hash tags would break)</td></tr>
 * <tr><td>nodeId</td><td>a random UUID</td><td>1..128 characters</td></tr>
 * <tr><td>commandTimeout</td><td>{@link #DEFAULT_COMMAND_TIMEOUT} (2 s)</td><td>&gt; 0</td></tr>
 * <tr><td>inboundBufferSize</td><td>{@value #DEFAULT_INBOUND_BUFFER_SIZE} messages</td><td>16..1,048,576</td></tr>
 * </table>
 *
 * <pre>{@code
 * RedisBrokerOptions options = RedisBrokerOptions.builder("redis://127.0.0.1:6379")
 *         .channelPrefix("chat")
 *         .build();
 * RedisBrokerOptions sentinel = RedisBrokerOptions.builder("redis-sentinel://10.0.0.1:26379,10.0.0.2:26379#mymaster").build();
 * RedisBrokerOptions cluster = RedisBrokerOptions.cluster(List.of("redis://10.0.0.1:7000", "redis://10.0.0.2:7000")).build();
 * }</pre>
 */
public final class RedisBrokerOptions {

    public static final String DEFAULT_CHANNEL_PREFIX = "wspool";
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(2);
    public static final int DEFAULT_INBOUND_BUFFER_SIZE = 65_536;
    /** The most seed nodes {@link #cluster(List)} takes. */
    public static final int MAX_CLUSTER_NODES = 64;

    /** How the broker reaches Redis. */
    public enum Topology {
        /** One server ({@code redis://}, {@code rediss://}). */
        STANDALONE,
        /** The master that Redis Sentinel names ({@code redis-sentinel://}), followed through failovers. */
        SENTINEL,
        /** A Redis Cluster ({@link #cluster(List)}): sharded pub/sub, each topic on its slot's shard. */
        CLUSTER
    }

    private static final Pattern SENTINEL_URI = Pattern.compile(
            "rediss?-sentinel://([^@/#]*@)?[^@/#,]+:\\d+(,[^@/#,]+:\\d+)*(/\\d+)?#[^#\\s]+");

    private final String uri;
    private final Topology topology;
    private final List<String> clusterNodes;
    private final String channelPrefix;
    private final String nodeId;
    private final Duration commandTimeout;
    private final int inboundBufferSize;

    private RedisBrokerOptions(Builder b) {
        this.uri = b.uri;
        this.topology = b.topology;
        this.clusterNodes = b.clusterNodes;
        this.channelPrefix = b.channelPrefix;
        this.nodeId = b.nodeId != null ? b.nodeId : UUID.randomUUID().toString();
        this.commandTimeout = b.commandTimeout;
        this.inboundBufferSize = b.inboundBufferSize;
    }

    /**
     * A builder for a broker on the Redis server at {@code uri} ({@code redis://}, {@code rediss://}),
     * or on the master that the Sentinels of a {@code redis-sentinel://…#MASTER} URI name.
     */
    public static Builder builder(String uri) {
        return new Builder(uri, null);
    }

    /**
     * A builder for a broker on a Redis Cluster reached through {@code nodes} (seed URIs
     * {@code redis://host:port}; one is enough, more survive a seed being down). Topics use sharded
     * pub/sub ({@code SSUBSCRIBE}/{@code SPUBLISH}, Redis 7 or later) on their slot's shard.
     */
    public static Builder cluster(List<String> nodes) {
        return new Builder(null, nodes);
    }

    /** A builder pre-filled with these options (including the node id). */
    public Builder mutate() {
        return new Builder(topology == Topology.CLUSTER ? null : uri, topology == Topology.CLUSTER ? clusterNodes : null)
                .channelPrefix(channelPrefix).nodeId(nodeId).commandTimeout(commandTimeout)
                .inboundBufferSize(inboundBufferSize);
    }

    /** The URI given to {@link #builder(String)}; in a cluster, the first seed node. */
    public String uri() {
        return uri;
    }

    /** How the broker reaches Redis, from the URI's scheme or {@link #cluster(List)}. */
    public Topology topology() {
        return topology;
    }

    /** The seed nodes of a {@link Topology#CLUSTER}; empty otherwise. */
    public List<String> clusterNodes() {
        return clusterNodes;
    }

    public String channelPrefix() {
        return channelPrefix;
    }

    public String nodeId() {
        return nodeId;
    }

    public Duration commandTimeout() {
        return commandTimeout;
    }

    public int inboundBufferSize() {
        return inboundBufferSize;
    }

    /** Builds {@link RedisBrokerOptions}; every setter checks its value at once. */
    public static final class Builder {
        private final String uri;
        private final Topology topology;
        private final List<String> clusterNodes;
        private String channelPrefix = DEFAULT_CHANNEL_PREFIX;
        private String nodeId;
        private Duration commandTimeout = DEFAULT_COMMAND_TIMEOUT;
        private int inboundBufferSize = DEFAULT_INBOUND_BUFFER_SIZE;

        private Builder(String uri, List<String> nodes) {
            if (nodes != null) {
                if (nodes.isEmpty() || nodes.size() > MAX_CLUSTER_NODES) {
                    throw new IllegalArgumentException("clusterNodes must name 1 to " + MAX_CLUSTER_NODES
                            + " seed nodes, was " + nodes.size());
                }
                for (String node : nodes) {
                    if (!isServerUri(Objects.requireNonNull(node, "clusterNodes element"))) {
                        throw new IllegalArgumentException("clusterNodes must be redis://HOST:PORT (or rediss://) URIs, was '"
                                + masked(node) + "'");
                    }
                }
                this.clusterNodes = List.copyOf(nodes);
                this.uri = nodes.get(0);
                this.topology = Topology.CLUSTER;
                return;
            }
            Objects.requireNonNull(uri, "uri");
            this.clusterNodes = List.of();
            this.uri = uri;
            if (uri.startsWith("redis-sentinel:") || uri.startsWith("rediss-sentinel:")) {
                if (!SENTINEL_URI.matcher(uri).matches()) {
                    throw new IllegalArgumentException("uri must look like redis-sentinel://HOST:PORT[,HOST:PORT…]#MASTER "
                            + "(the Sentinels and the name of the master they watch), was '" + masked(uri) + "'");
                }
                this.topology = Topology.SENTINEL;
            } else if (isServerUri(uri)) {
                this.topology = Topology.STANDALONE;
            } else {
                throw new IllegalArgumentException("uri must look like redis://HOST:PORT (or rediss://, or "
                        + "redis-sentinel://HOST:PORT[,HOST:PORT…]#MASTER), was '" + masked(uri) + "'");
            }
        }

        private static boolean isServerUri(String uri) {
            URI parsed;
            try {
                parsed = URI.create(uri);
            } catch (IllegalArgumentException e) {
                return false;
            }
            return ("redis".equals(parsed.getScheme()) || "rediss".equals(parsed.getScheme())) && parsed.getHost() != null;
        }

        private static String masked(String uri) {
            return uri.replaceAll("//[^@/]*@", "//***@");
        }

        public Builder channelPrefix(String value) {
            if (value == null || value.isEmpty() || value.length() > 64 || value.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("channelPrefix must be 1 to 64 characters without spaces, was '" + value + "'");
            }
            this.channelPrefix = value;
            return this;
        }

        public Builder nodeId(String value) {
            if (value == null || value.isEmpty() || value.length() > 128) {
                throw new IllegalArgumentException("nodeId must be 1 to 128 characters, was '" + value + "'");
            }
            this.nodeId = value;
            return this;
        }

        public Builder commandTimeout(Duration value) {
            this.commandTimeout = OptionRange.positive("commandTimeout", value);
            return this;
        }

        public Builder inboundBufferSize(int value) {
            this.inboundBufferSize = OptionRange.between("inboundBufferSize", value, 16, 1_048_576);
            return this;
        }

        /** Builds the options; in a cluster, checks that the channel prefix can sit beside a hash tag. */
        public RedisBrokerOptions build() {
            if (topology == Topology.CLUSTER && (channelPrefix.contains("{") || channelPrefix.contains("}"))) {
                throw new IllegalArgumentException("channelPrefix must not contain '{' or '}' in a cluster (the broker's keys "
                        + "and channels carry hash tags), was '" + channelPrefix + "'");
            }
            return new RedisBrokerOptions(this);
        }
    }
}
