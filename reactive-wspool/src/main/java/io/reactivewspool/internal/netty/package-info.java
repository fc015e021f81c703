/**
 * The two server engines of {@code WsServer}, behind {@code ServerEngine}: Reactor Netty's
 * {@code HttpServer} and plain Netty. Each routes a request (WebSocket upgrade on the hub's path,
 * admin API, refusals), guards the opening handshake and the frames RFC 6455 forbids, bounds
 * permessage-deflate at the frame limit, and turns a connection into a {@code ChannelTransport} (a
 * {@code WsTransport} on one channel: its event loop is the executor, one close grace) for the hub;
 * outbound frames are written in per-event-loop batches. Not API: types here may change in
 * any release. To add an engine on Netty, add a {@code ServerEngine} here.
 */
package io.reactivewspool.internal.netty;
