/**
 * Topic history for recovery after a reconnect: a {@link io.reactivewspool.history.TopicHistory}
 * gives every message of a topic an offset and replays what a client missed
 * ({@code subscribe} with {@code data.since}); {@link io.reactivewspool.history.HistoryOptions}
 * bounds it by count and age. {@code TopicHistory.inMemory} is the one-node ring
 * ({@code internal.history.RingTopicHistory}); {@code RedisBroker.history} the cluster-wide one.
 */
package io.reactivewspool.history;
