/**
 * Implementation of {@code WsHub}: the connection registry (by id, by user, admission slots),
 * the protocol dispatch of each inbound message, topic subscriptions, delivery (local fan-out
 * through each connection's bounded outbound queue, and broker fan-in and fan-out), the cluster
 * view (presence, cluster stats), the timers (heartbeat, stale-connection sweep, graceful close),
 * the admin operations, and topic history sequencing and recovery. Nothing here depends on Netty:
 * an engine reaches the hub only through {@code server.WsTransport}. Not API.
 */
package io.reactivewspool.internal.server;
