package io.reactivewspool.spring.internal;

import java.util.LinkedHashSet;
import java.util.function.Consumer;

import io.reactivewspool.client.AdaptiveSizingSpec;
import io.reactivewspool.client.WsClientOptions;
import io.reactivewspool.client.WsClientPoolOptions;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.server.TopicPolicy;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.spring.WsPoolProperties;
import org.springframework.util.unit.DataSize;

/**
 * Maps {@code wspool.*} properties onto the library's own builders. A value the builder refuses
 * becomes an error that names the property, so startup says which line of the configuration is wrong.
 */
public final class PropertyMapper {

    private PropertyMapper() {
    }

    public static WsHubOptions.Builder hubOptions(WsPoolProperties.Server s) {
        WsHubOptions.Builder b = WsHubOptions.builder();
        String p = "wspool.server.";
        set(p + "heartbeat-interval", s.getHeartbeatInterval(), b::heartbeatInterval);
        set(p + "heartbeat-messages", s.getHeartbeatMessages(), b::heartbeatMessages);
        set(p + "connection-timeout", s.getConnectionTimeout(), b::connectionTimeout);
        set(p + "cleanup-interval", s.getCleanupInterval(), b::cleanupInterval);
        set(p + "max-connections", s.getMaxConnections(), b::maxConnections);
        set(p + "max-connections-per-user", s.getMaxConnectionsPerUser(), b::maxConnectionsPerUser);
        set(p + "max-connections-per-topic", s.getMaxConnectionsPerTopic(), b::maxConnectionsPerTopic);
        set(p + "max-topics-per-connection", s.getMaxTopicsPerConnection(), b::maxTopicsPerConnection);
        set(p + "max-frame-size", s.getMaxFrameSize(), v -> b.maxFrameBytes(toInt(v)));
        set(p + "queue-size", s.getQueueSize(), b::outboundQueueSize);
        set(p + "overflow", s.getOverflow(), b::overflowPolicy);
        set(p + "rate-limit", s.getRateLimit(), b::rateLimitPerSecond);
        set(p + "close-drain-period", s.getCloseDrainPeriod(), b::closeDrainPeriod);
        if (!s.getAllowedOrigins().isEmpty()) {
            set(p + "allowed-origins", new LinkedHashSet<>(s.getAllowedOrigins()), b::allowedOrigins);
        }
        if (!s.getPublishTopics().isEmpty()) {
            set(p + "publish-topics", s.getPublishTopics(), v -> b.topicPolicy(TopicPolicy.publishTo(v)));
        }
        if (!s.getCodecs().isEmpty()) {
            set(p + "codecs", s.getCodecs(), v -> b.codecs(v.stream().map(PropertyMapper::codec).toArray(WsCodec[]::new)));
        }
        if (!s.getPresenceTopics().isEmpty()) {
            set(p + "presence-topics", s.getPresenceTopics(), b::presenceTopics);
        }
        return b;
    }

    private static WsCodec codec(String name) {
        return switch (name.trim()) {
            case "json" -> WsCodec.json();
            case "cbor" -> WsCodec.cbor();
            case "msgpack" -> WsCodec.messagePack();
            default -> throw new IllegalArgumentException("unknown codec '" + name + "'; one of json, cbor, msgpack");
        };
    }

    public static WsClientPoolOptions poolOptions(String name, WsPoolProperties.Pool pool) {
        String p = "wspool.client.pools." + name + ".";
        if (pool.getUrl() == null || pool.getUrl().isBlank()) {
            throw new IllegalArgumentException(p + "url is required: the ws:// or wss:// URL of the server");
        }
        WsClientOptions.Builder c;
        try {
            c = WsClientOptions.builder(pool.getUrl());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(p + "url: " + e.getMessage(), e);
        }
        set(p + "connect-timeout", pool.getConnectTimeout(), c::connectTimeout);
        set(p + "handshake-timeout", pool.getHandshakeTimeout(), c::handshakeTimeout);
        set(p + "request-timeout", pool.getRequestTimeout(), c::requestTimeout);
        set(p + "max-frame-size", pool.getMaxFrameSize(), v -> c.maxFrameSize(toInt(v)));
        set(p + "compression", pool.getCompression(), c::compression);
        set(p + "bearer-token", pool.getBearerToken(), c::bearerToken);
        pool.getHeaders().forEach((k, v) -> set(p + "headers." + k, v, value -> c.header(k, value)));
        if (!pool.getSubprotocols().isEmpty()) {
            set(p + "subprotocols", pool.getSubprotocols(), v -> c.subprotocols(v.toArray(String[]::new)));
        }
        WsClientPoolOptions.Builder b = WsClientPoolOptions.builder(c.build()).name(name);
        set(p + "min-connections", pool.getMinConnections(), b::minConnections);
        set(p + "max-connections", pool.getMaxConnections(), b::maxConnections);
        set(p + "max-lifetime", pool.getMaxLifetime(), b::maxLifetime);
        set(p + "max-lifetime-jitter", pool.getMaxLifetimeJitter(), b::maxLifetimeJitter);
        set(p + "max-idle-time", pool.getMaxIdleTime(), b::maxIdleTime);
        set(p + "health-check-period", pool.getHealthCheckPeriod(), b::healthCheckPeriod);
        set(p + "health-check-timeout", pool.getHealthCheckTimeout(), b::healthCheckTimeout);
        set(p + "validate-after-idle", pool.getValidateAfterIdle(), b::validateAfterIdle);
        set(p + "acquire-timeout", pool.getAcquireTimeout(), b::acquireTimeout);
        set(p + "max-pending-acquires", pool.getMaxPendingAcquires(), b::maxPendingAcquires);
        set(p + "connect-backoff-first", pool.getConnectBackoffFirst(), b::connectBackoffFirst);
        set(p + "connect-backoff-max", pool.getConnectBackoffMax(), b::connectBackoffMax);
        set(p + "connect-backoff-jitter", pool.getConnectBackoffJitter(), b::connectBackoffJitter);
        set(p + "connect-max-attempts", pool.getConnectMaxAttempts(), b::connectMaxAttempts);
        set(p + "max-requests-per-connection", pool.getMaxRequestsPerConnection(), b::maxRequestsPerConnection);
        set(p + "reuse-order", pool.getReuseOrder(), b::reuseOrder);
        set(p + "warmup", pool.getWarmup(), b::warmup);
        if (Boolean.TRUE.equals(pool.getAdaptiveSizing().getEnabled())) {
            b.adaptiveSizing(adaptiveSizing(p + "adaptive-sizing.", pool.getAdaptiveSizing()));
        }
        try {
            return b.build();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new IllegalArgumentException(p + "*: " + e.getMessage(), e);
        }
    }

    private static AdaptiveSizingSpec adaptiveSizing(String p, WsPoolProperties.Adaptive a) {
        AdaptiveSizingSpec.Builder b = AdaptiveSizingSpec.builder();
        set(p + "interval", a.getInterval(), b::interval);
        set(p + "smoothing", a.getSmoothing(), b::smoothing);
        set(p + "target-utilisation", a.getTargetUtilisation(), b::targetUtilisation);
        set(p + "shrink-utilisation", a.getShrinkUtilisation(), b::shrinkUtilisation);
        set(p + "acquire-wait-threshold", a.getAcquireWaitThreshold(), b::acquireWaitThreshold);
        set(p + "requests-per-connection", a.getRequestsPerConnection(), b::requestsPerConnection);
        set(p + "max-step-up", a.getMaxStepUp(), b::maxStepUp);
        set(p + "max-step-down", a.getMaxStepDown(), b::maxStepDown);
        set(p + "grow-cooldown", a.getGrowCooldown(), b::growCooldown);
        set(p + "shrink-cooldown", a.getShrinkCooldown(), b::shrinkCooldown);
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(p + "*: " + e.getMessage(), e);
        }
    }

    private static <T> void set(String property, T value, Consumer<T> setter) {
        if (value == null) {
            return;
        }
        try {
            setter.accept(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(property + "=" + shown(property, value) + " is invalid: " + e.getMessage(), e);
        }
    }

    private static String shown(String property, Object value) {
        return property.endsWith("token") ? "***" : String.valueOf(value);
    }

    private static int toInt(DataSize size) {
        long bytes = size.toBytes();
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("must be at most " + Integer.MAX_VALUE + " bytes, was " + bytes);
        }
        return (int) bytes;
    }
}
