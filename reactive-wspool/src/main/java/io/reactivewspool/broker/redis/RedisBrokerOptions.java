package io.reactivewspool.broker.redis;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;

/**
 * Immutable settings of a {@link RedisBroker}. Build with {@link #builder(String)}.
 *
 * <table>
 * <caption>Options and defaults</caption>
 * <tr><th>option</th><th>default</th><th>range</th></tr>
 * <tr><td>uri</td><td>(required)</td><td>{@code redis://[password@]host:port[/db]} or {@code rediss://…}</td></tr>
 * <tr><td>channelPrefix</td><td>{@value #DEFAULT_CHANNEL_PREFIX}</td><td>1..64 characters, no spaces</td></tr>
 * <tr><td>nodeId</td><td>a random UUID</td><td>1..128 characters</td></tr>
 * <tr><td>commandTimeout</td><td>{@link #DEFAULT_COMMAND_TIMEOUT} (2 s)</td><td>&gt; 0</td></tr>
 * <tr><td>inboundBufferSize</td><td>{@value #DEFAULT_INBOUND_BUFFER_SIZE} messages</td><td>16..1,048,576</td></tr>
 * </table>
 *
 * <pre>{@code
 * RedisBrokerOptions options = RedisBrokerOptions.builder("redis://127.0.0.1:6379")
 *         .channelPrefix("chat")
 *         .build();
 * }</pre>
 */
public final class RedisBrokerOptions {

    public static final String DEFAULT_CHANNEL_PREFIX = "wspool";
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(2);
    public static final int DEFAULT_INBOUND_BUFFER_SIZE = 65_536;

    private final String uri;
    private final String channelPrefix;
    private final String nodeId;
    private final Duration commandTimeout;
    private final int inboundBufferSize;

    private RedisBrokerOptions(Builder b) {
        this.uri = b.uri;
        this.channelPrefix = b.channelPrefix;
        this.nodeId = b.nodeId != null ? b.nodeId : UUID.randomUUID().toString();
        this.commandTimeout = b.commandTimeout;
        this.inboundBufferSize = b.inboundBufferSize;
    }

    /** A builder for a broker on the Redis server at {@code uri}. */
    public static Builder builder(String uri) {
        return new Builder(uri);
    }

    /** A builder pre-filled with these options (including the node id). */
    public Builder mutate() {
        return new Builder(uri).channelPrefix(channelPrefix).nodeId(nodeId).commandTimeout(commandTimeout)
                .inboundBufferSize(inboundBufferSize);
    }

    public String uri() {
        return uri;
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
        private String channelPrefix = DEFAULT_CHANNEL_PREFIX;
        private String nodeId;
        private Duration commandTimeout = DEFAULT_COMMAND_TIMEOUT;
        private int inboundBufferSize = DEFAULT_INBOUND_BUFFER_SIZE;

        private Builder(String uri) {
            Objects.requireNonNull(uri, "uri");
            URI parsed;
            try {
                parsed = URI.create(uri);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("uri must be a redis:// or rediss:// URI, was '" + uri + "'", e);
            }
            if (!"redis".equals(parsed.getScheme()) && !"rediss".equals(parsed.getScheme()) || parsed.getHost() == null) {
                throw new IllegalArgumentException("uri must look like redis://HOST:PORT (or rediss://), was '"
                        + uri.replaceAll("//[^@/]*@", "//***@") + "'");
            }
            this.uri = uri;
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
            if (value == null || value.isZero() || value.isNegative()) {
                throw new IllegalArgumentException("commandTimeout must be > 0, was " + value);
            }
            this.commandTimeout = value;
            return this;
        }

        public Builder inboundBufferSize(int value) {
            if (value < 16 || value > 1_048_576) {
                throw new IllegalArgumentException("inboundBufferSize must be between 16 and 1048576, was " + value);
            }
            this.inboundBufferSize = value;
            return this;
        }

        public RedisBrokerOptions build() {
            return new RedisBrokerOptions(this);
        }
    }
}
