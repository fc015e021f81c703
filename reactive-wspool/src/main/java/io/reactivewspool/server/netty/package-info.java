/**
 * Serving a hub on Netty: {@link io.reactivewspool.server.netty.WsServer} (options in
 * {@link io.reactivewspool.server.netty.WsServerOptions}) serves the hub's WebSocket path and the
 * admin HTTP API on one of two engines, chosen by {@code WsServerOptions.Engine}: Reactor Netty's
 * {@code HttpServer} (the default, open to a customizer) or plain Netty (less memory per idle
 * connection). Both engines live in {@code internal.netty} behind its {@code ServerEngine}
 * interface; a third Netty engine is a new {@code ServerEngine}, a new {@code Engine} constant and
 * a new {@code HubConformanceSuite} subclass. For a transport on Netty outside this package,
 * {@link io.reactivewspool.server.netty.NettyFrameLimit} recognises Netty's frame-limit failures and
 * {@link io.reactivewspool.server.netty.NettyClose} closes a Reactor Netty connection with a grace period.
 */
package io.reactivewspool.server.netty;
