/**
 * Spring Boot 4 auto-configuration of reactive-wspool: the hub served by WebFlux at
 * {@code wspool.server.path}, its admin API, {@link io.reactivewspool.spring.WsMessageMapping}
 * handlers, {@link io.reactivewspool.spring.WsEndpoint} endpoints, Actuator endpoint, health and
 * Micrometer meters, and one {@code WsClientPool} bean per {@code wspool.client.pools.NAME}.
 */
package io.reactivewspool.spring;
