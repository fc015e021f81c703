/**
 * Spring Boot 4 auto-configuration of reactive-wspool: the hub served by WebFlux at
 * {@code wspool.server.path} (properties in {@link io.reactivewspool.spring.WsPoolProperties}),
 * its admin API, {@link io.reactivewspool.spring.WsMessageMapping} handlers,
 * {@link io.reactivewspool.spring.WsEndpoint} endpoints, a Redis broker when Redis is configured,
 * the Actuator endpoint, health and Micrometer meters, and one {@code WsClientPool} bean per
 * {@code wspool.client.pools.NAME}. Auto-configuration only maps properties onto the core's
 * builders; the adapters are in {@code spring.internal}, and the module uses only the core's
 * public packages.
 */
package io.reactivewspool.spring;
