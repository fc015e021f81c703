/**
 * The client half: {@link io.reactivewspool.client.WsClient} opens single connections
 * ({@link io.reactivewspool.client.WsConnection}: send, request/reply by id, ping round trips,
 * close codes); {@link io.reactivewspool.client.WsClientPool} shares a few connections between
 * many concurrent callers, on top of reactor-pool, with hooks at connect, acquire and release and
 * optional {@link io.reactivewspool.client.AdaptiveSizingSpec adaptive sizing};
 * {@link io.reactivewspool.client.WsTopicClient} is a topic subscription that survives reconnects.
 * Configuration is immutable ({@link io.reactivewspool.client.WsClientOptions},
 * {@link io.reactivewspool.client.WsClientPoolOptions},
 * {@link io.reactivewspool.client.WsTopicClientOptions}); runtime errors are
 * {@link io.reactivewspool.WsException}s. The implementation is in {@code internal.client}; see
 * {@code docs/CLIENT.md}.
 */
package io.reactivewspool.client;
