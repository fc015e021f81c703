package io.reactivewspool.history;

import java.time.Clock;
import java.util.List;

import io.reactivewspool.internal.history.RingTopicHistory;
import io.reactivewspool.message.WsMessage;
import reactor.core.publisher.Mono;

/**
 * Keeps the recent messages of each topic so that a client that reconnects can ask for what it
 * missed ({@code subscribe} with {@code data.since}). Every stored message gets an
 * {@code offset}: an opaque string, increasing within a topic, that clients echo back.
 *
 * <p>Two implementations: {@link #inMemory(HistoryOptions)} (a ring per topic, one node) and a
 * capped Redis Stream per topic for a cluster
 * ({@link io.reactivewspool.broker.redis.RedisBroker#history(HistoryOptions, io.reactivewspool.message.WsCodec)}).
 *
 * <pre>{@code
 * TopicHistory history = TopicHistory.inMemory(HistoryOptions.builder().size(500).ttl(Duration.ofMinutes(5)).build());
 * WsMessage stored = history.append("prices", message).block();   // stored.offset() != null
 * Replay missed = history.since("prices", lastSeenOffset).block();
 * }</pre>
 */
public interface TopicHistory {

    /** An in-memory history: a ring of {@code size} messages per topic, each kept for {@code ttl}. */
    static TopicHistory inMemory(HistoryOptions options) {
        return new RingTopicHistory(options, Clock.systemUTC());
    }

    /** Stores a message of {@code topic} and returns it with its offset set. */
    Mono<WsMessage> append(String topic, WsMessage message);

    /**
     * The messages of {@code topic} after {@code offset}, oldest first, each with its offset.
     * {@link Replay#recovered()} is {@code false} when some of them are no longer kept (trimmed,
     * expired, or the history was reset since the offset was given); the client should then reload
     * its state. Fails with {@link io.reactivewspool.WsProtocolException} when {@code offset} is not
     * an offset this history could have produced.
     */
    Mono<Replay> since(String topic, String offset);

    /**
     * The offset of the latest message of {@code topic} stored so far; empty when nothing of the topic
     * is kept. A hub that shares the history with others reads it when a topic gets its first
     * subscriber there, so that the live messages stored after it reach that subscriber in offset
     * order, whichever hub they come from. The default fails: such a hub then orders the topic's live
     * messages from the first one that arrives.
     */
    default Mono<String> latest(String topic) {
        return Mono.error(new UnsupportedOperationException(getClass().getName() + " does not tell a topic's latest offset"));
    }

    /**
     * The most messages one {@link #since} answer can hold: the messages kept per topic
     * ({@link HistoryOptions#size()}), or 0 when unknown. A hub refuses a history whose full
     * replay could not pass through a connection's outbound queue.
     */
    default int maxReplay() {
        return 0;
    }

    /** Releases what the history holds. */
    Mono<Void> close();

    /**
     * The answer to {@link #since}.
     *
     * @param messages  the missed messages, oldest first (empty when none or not recovered)
     * @param recovered whether {@code messages} is everything that was missed
     * @param offset    the topic's latest offset now (may be {@code null} when nothing was ever stored)
     */
    record Replay(List<WsMessage> messages, boolean recovered, String offset) {
        public Replay {
            messages = List.copyOf(messages);
        }
    }
}
