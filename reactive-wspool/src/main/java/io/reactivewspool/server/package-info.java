/**
 * The server hub and the SPIs around it; nothing here depends on Netty, so any WebSocket server
 * can carry a hub.
 * <ul>
 * <li>{@link io.reactivewspool.server.WsHub} and its immutable
 * {@link io.reactivewspool.server.WsHubOptions}: connections, topics, broadcasts, heartbeats,
 * limits; application {@link io.reactivewspool.server.MessageHandler}s; the operator view
 * {@link io.reactivewspool.server.HubAdmin} and its HTTP form
 * {@link io.reactivewspool.server.AdminHttpApi}.</li>
 * <li>The engine SPI: an engine (a WebSocket server) asks {@code WsHub.admit(HandshakeInfo)}
 * before the upgrade, then hands the connection over as a
 * {@link io.reactivewspool.server.WsTransport} ({@link io.reactivewspool.server.InboundFrame} in,
 * {@link io.reactivewspool.server.OutboundFrame} out) to {@code WsHub.serve}. <b>To add an
 * engine</b>, implement {@code WsTransport} (its javadoc is the contract), route the upgrade path
 * through {@code admit}/{@code serve}, and run the engine through the test suite
 * {@code HubConformanceSuite}; the engines of {@code server.netty} and the Spring module's
 * {@code SpringWsTransport} are the examples.</li>
 * <li>The security SPIs: {@link io.reactivewspool.server.Authenticator},
 * {@link io.reactivewspool.server.TopicPolicy},
 * {@link io.reactivewspool.server.AdminAuthenticator}.</li>
 * </ul>
 * The implementation is in {@code internal.server}.
 */
package io.reactivewspool.server;
