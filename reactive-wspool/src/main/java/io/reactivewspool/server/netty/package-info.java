/**
 * The Reactor Netty transport: {@link io.reactivewspool.server.netty.WsServer} serves a hub's
 * WebSocket endpoint and the admin HTTP API.
 */
package io.reactivewspool.server.netty;
