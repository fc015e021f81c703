/**
 * The server hub: {@link io.reactivewspool.server.WsHub} and its options, the transport SPI
 * ({@link io.reactivewspool.server.WsTransport}, {@link io.reactivewspool.server.HandshakeInfo}),
 * the security SPIs ({@link io.reactivewspool.server.Authenticator},
 * {@link io.reactivewspool.server.TopicPolicy}, {@link io.reactivewspool.server.AdminAuthenticator}),
 * application {@link io.reactivewspool.server.MessageHandler}s and the operator view
 * ({@link io.reactivewspool.server.HubAdmin}). Nothing here depends on Reactor Netty, so any
 * WebSocket server can carry a hub.
 */
package io.reactivewspool.server;
