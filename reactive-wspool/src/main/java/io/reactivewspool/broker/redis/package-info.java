/**
 * The Redis broker, for several hub instances: {@link io.reactivewspool.broker.redis.RedisBroker}
 * (created with {@link io.reactivewspool.broker.redis.RedisBrokerOptions}) carries messages over
 * Redis pub/sub, keeps node state in Redis, and offers a {@code TopicHistory} in a capped Redis
 * Stream per topic, shared by the cluster. Lettuce is an optional dependency, used only here and
 * in {@code internal.redis}, which holds the implementation ({@code LettuceRedisBroker},
 * {@code StreamTopicHistory}, the {@code BrokerFrame} wire format between nodes).
 */
package io.reactivewspool.broker.redis;
