package io.reactivewspool.spring;

import java.time.Duration;

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
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The Redis broker when {@code wspool.broker.redis.uri} is set (and Lettuce is on the class path),
 * and topic history when {@code wspool.history.size} is above 0: in the Redis broker's streams
 * when there is one, in memory otherwise.
 *
 * <pre>{@code
 * wspool.broker.redis.uri=redis://127.0.0.1:6379
 * wspool.history.size=500
 * }</pre>
 */
@AutoConfiguration
@EnableConfigurationProperties(WsPoolProperties.class)
public class WsBrokerAutoConfiguration {

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.lettuce.core.RedisClient")
    @ConditionalOnProperty(name = "wspool.broker.redis.uri")
    static class RedisBrokerConfiguration {

        @Bean(destroyMethod = "close") // close() returns a Mono, which Spring awaits
        @ConditionalOnMissingBean(Broker.class)
        RedisBroker wsRedisBroker(WsPoolProperties properties) {
            WsPoolProperties.Redis redis = properties.getBroker().getRedis();
            RedisBrokerOptions.Builder b;
            try {
                b = RedisBrokerOptions.builder(redis.getUri());
                if (redis.getChannelPrefix() != null) {
                    b.channelPrefix(redis.getChannelPrefix());
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("wspool.broker.redis: " + e.getMessage(), e);
            }
            // Startup runs on the main thread: waiting for the connection here is intended.
            return RedisBroker.connect(b.build()).block(Duration.ofSeconds(30));
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
