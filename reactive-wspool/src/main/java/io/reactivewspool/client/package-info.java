/**
 * The client half: {@link io.reactivewspool.client.WsClient} opens single connections
 * ({@link io.reactivewspool.client.WsConnection}: send, request/reply by id, ping round trips,
 * close codes), and {@link io.reactivewspool.client.WsClientPool} shares a few connections
 * between many concurrent callers, on top of reactor-pool. Configuration is immutable
 * ({@link io.reactivewspool.client.WsClientOptions}, {@link io.reactivewspool.client.WsClientPoolOptions});
 * runtime errors are {@link io.reactivewspool.WsException}s. See {@code docs/CLIENT.md}.
 */
package io.reactivewspool.client;
