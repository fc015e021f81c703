/**
 * Implementation of the one-node topic history ({@code TopicHistory.inMemory}): a ring per topic
 * bounded by count and age, and the offset format its messages carry. Not API.
 */
package io.reactivewspool.internal.history;
