/**
 * Micrometer meter binders: {@link io.reactivewspool.metrics.HubMeterBinder} for a hub and
 * {@link io.reactivewspool.metrics.ClientPoolMeterBinder} for a client pool. micrometer-core is an
 * optional dependency: add it to use this package.
 */
package io.reactivewspool.metrics;
