package io.reactivewspool.spring;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

import io.reactivewspool.broker.Broker;
import io.reactivewspool.broker.redis.RedisBroker;
import io.reactivewspool.broker.redis.RedisBrokerOptions;
import io.reactivewspool.history.HistoryOptions;
import io.reactivewspool.history.TopicHistory;
import io.reactivewspool.message.WsCodec;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * The Redis broker when {@code wspool.broker.redis.uri} is set, or the application's Spring Data
 * Redis connection ({@code spring.data.redis.url} or {@code host}) is (and Lettuce is on the class path),
 * and topic history when {@code wspool.history.size} is above 0: in the Redis broker's streams
 * when there is one, in memory otherwise. {@code wspool.broker.redis.uri} without Lettuce
 * ({@code io.lettuce:lettuce-core}) on the class path stops the startup.
 *
 * <pre>{@code
 * wspool.broker.redis.uri=redis://127.0.0.1:6379
 * # or: wspool.broker.redis.sentinel.master=mymaster + wspool.broker.redis.sentinel.nodes=10.0.0.1:26379,10.0.0.2:26379
 * # or: wspool.broker.redis.cluster.nodes=10.0.0.1:7000,10.0.0.2:7000
 * wspool.history.size=500
 * }</pre>
 */
@AutoConfiguration
@EnableConfigurationProperties(WsPoolProperties.class)
public class WsBrokerAutoConfiguration {

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.lettuce.core.RedisClient")
    @ConditionalOnExpression("'${wspool.broker.redis.uri:}' != '' or '${wspool.broker.redis.sentinel.master:}' != ''"
            + " or '${wspool.broker.redis.cluster.nodes:}' != '' or '${wspool.broker.redis.cluster.nodes[0]:}' != ''"
            + " or '${spring.data.redis.url:}' != '' or '${spring.data.redis.host:}' != ''")
    static class RedisBrokerConfiguration {

        @Bean(destroyMethod = "close") // close() returns a Mono, which Spring awaits
        @ConditionalOnMissingBean(Broker.class)
        RedisBroker wsRedisBroker(WsPoolProperties properties, Environment env) {
            WsPoolProperties.Redis redis = properties.getBroker().getRedis();
            RedisBrokerOptions.Builder b;
            try {
                b = topology(redis, env);
                if (redis.getChannelPrefix() != null) {
                    b.channelPrefix(redis.getChannelPrefix());
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("wspool.broker.redis: " + e.getMessage(), e);
            }
            // Startup runs on the main thread: waiting for the connection here is intended.
            return RedisBroker.connect(b.build()).block(Duration.ofSeconds(30));
        }

        /**
         * A cluster when {@code cluster.nodes} is set, the Sentinels' master when {@code sentinel.master}
         * is, else one server ({@link #redisUri}); two of them at once is an error naming both.
         */
        static RedisBrokerOptions.Builder topology(WsPoolProperties.Redis redis, Environment env) {
            List<String> clusterNodes = redis.getCluster().getNodes();
            WsPoolProperties.Sentinel sentinel = redis.getSentinel();
            boolean cluster = clusterNodes != null && !clusterNodes.isEmpty();
            boolean sentinels = sentinel.getMaster() != null && !sentinel.getMaster().isBlank();
            boolean uri = redis.getUri() != null && !redis.getUri().isBlank();
            if ((cluster ? 1 : 0) + (sentinels ? 1 : 0) + (uri ? 1 : 0) > 1) {
                throw new IllegalArgumentException("set only one of uri, sentinel.master and cluster.nodes, was uri="
                        + (uri ? "(set)" : "(unset)") + " sentinel.master=" + sentinel.getMaster() + " cluster.nodes=" + clusterNodes);
            }
            if (cluster) {
                return RedisBrokerOptions.cluster(clusterNodes.stream()
                        .map(n -> n.contains("://") ? n.trim() : "redis://" + n.trim()).toList());
            }
            if (sentinels) {
                if (sentinel.getNodes() == null || sentinel.getNodes().isEmpty()) {
                    throw new IllegalArgumentException("sentinel.nodes must name the Sentinels (HOST:PORT, ...) of master '"
                            + sentinel.getMaster() + "', was empty");
                }
                String password = sentinel.getPassword();
                String auth = password == null || password.isEmpty() ? ""
                        : ":" + URLEncoder.encode(password, StandardCharsets.UTF_8) + "@";
                return RedisBrokerOptions.builder("redis-sentinel://" + auth + sentinel.getNodes().stream().map(String::trim)
                        .collect(Collectors.joining(",")) + "#" + sentinel.getMaster().trim());
            }
            return RedisBrokerOptions.builder(redisUri(redis, env));
        }

        /**
         * {@code wspool.broker.redis.uri}, else the application's Spring Data Redis settings
         * ({@code spring.data.redis.url}, or {@code host}, {@code port}, {@code password}, {@code database}).
         */
        static String redisUri(WsPoolProperties.Redis redis, Environment env) {
            if (redis.getUri() != null && !redis.getUri().isBlank()) {
                return redis.getUri();
            }
            String url = env.getProperty("spring.data.redis.url");
            if (url != null && !url.isBlank()) {
                return url;
            }
            String password = env.getProperty("spring.data.redis.password");
            String auth = password == null || password.isEmpty() ? ""
                    : ":" + URLEncoder.encode(password, StandardCharsets.UTF_8) + "@";
            return "redis://" + auth + env.getProperty("spring.data.redis.host", "localhost") + ":"
                    + env.getProperty("spring.data.redis.port", "6379") + "/" + env.getProperty("spring.data.redis.database", "0");
        }
    }

    /**
     * {@code wspool.broker.redis.uri} without Lettuce: without this, each instance would run alone
     * and clients on different instances would silently miss each other's messages.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingClass("io.lettuce.core.RedisClient")
    @ConditionalOnExpression("'${wspool.broker.redis.uri:}' != ''")
    static class RedisWithoutLettuceConfiguration {
        static final String MESSAGE = "wspool.broker.redis.uri is set, but Lettuce, the Redis client of the hub's Redis broker, "
                + "is not on the class path: add the dependency io.lettuce:lettuce-core, or remove wspool.broker.redis.uri "
                + "to run each instance alone";

        RedisWithoutLettuceConfiguration() {
            throw new IllegalStateException(MESSAGE);
        }
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnExpression("${wspool.history.size:0} > 0")
    TopicHistory wsTopicHistory(WsPoolProperties properties, ObjectProvider<RedisBroker> redis) {
        WsPoolProperties.History h = properties.getHistory();
        HistoryOptions.Builder b = HistoryOptions.builder();
        try {
            b.size(h.getSize());
            if (h.getTtl() != null) {
                b.ttl(h.getTtl());
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("wspool.history: " + e.getMessage(), e);
        }
        RedisBroker broker = redis.getIfUnique();
        return broker != null ? broker.history(b.build(), WsCodec.json()) : TopicHistory.inMemory(b.build());
    }
}
