/**
 * Implementation of the Spring module, not API: WebFlux as a hub engine (the upgrade handler and
 * {@code SpringWsTransport}, a {@code WsTransport} over WebFlux's {@code WebSocketSession}), the
 * admin routes, {@code @WsMessageMapping} discovery, the Spring Security authenticator, property
 * mapping onto the core's builders, client-pool bean registration and the hub's lifecycle.
 */
package io.reactivewspool.spring.internal;
