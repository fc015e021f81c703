/**
 * Micrometer meter binders for the hub and the client pools (micrometer-core is an optional
 * dependency: add it to use this package).
 */
package io.reactivewspool.metrics;
