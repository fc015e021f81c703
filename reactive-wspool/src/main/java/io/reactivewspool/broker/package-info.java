/**
 * The seam between hubs on several nodes: {@link io.reactivewspool.broker.Broker} carries
 * already-encoded messages to other nodes; {@link io.reactivewspool.broker.LocalBroker} is the
 * single-node default.
 */
package io.reactivewspool.broker;
