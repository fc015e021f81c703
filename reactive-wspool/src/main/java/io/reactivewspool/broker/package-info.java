/**
 * The seam between hubs on several nodes: a {@link io.reactivewspool.broker.Broker} carries
 * already-encoded {@link io.reactivewspool.broker.BrokerMessage}s (topic, user and control
 * messages) to the other nodes and keeps each node's small shared state (presence, stats);
 * {@link io.reactivewspool.broker.LocalBroker} is the single-node default, and
 * {@code broker.redis} holds the Redis one.
 *
 * <p><b>To add a broker</b>, implement {@code Broker} (its javadoc lists the promises), put the
 * implementation under {@code internal.<name>} with a small public factory in a
 * {@code broker.<name>} package (as {@code RedisBroker} does for {@code internal.redis}), pass it
 * to {@code WsHubOptions.Builder.broker}, and run the shared contract tests by extending the test
 * class {@code BrokerContract} (see {@code LocalBrokerContractIT}, {@code RedisBrokerIT}).
 */
package io.reactivewspool.broker;
