/**
 * Implementation of the Redis broker over Lettuce: the broker itself (pub/sub fan-out, node
 * state, reconnects), the history in a capped Redis Stream per topic, and the binary frame format
 * of a message between nodes. Not API; the public face is {@code broker.redis.RedisBroker}.
 */
package io.reactivewspool.internal.redis;
