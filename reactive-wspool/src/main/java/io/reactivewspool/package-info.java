/**
 * The root of reactive-wspool: the {@link io.reactivewspool.WsException} hierarchy shared by
 * the client and the server halves. The API lives in the sub-packages: {@code message} (the
 * envelope and its codec), {@code client} (one connection, the pool, the topic client),
 * {@code server} (the hub) and {@code server.netty} (the Reactor Netty transport).
 */
package io.reactivewspool;
