/**
 * Topic history for recovery after a reconnect: {@link io.reactivewspool.history.TopicHistory}
 * gives every topic message an offset and replays what a client missed.
 */
package io.reactivewspool.history;
