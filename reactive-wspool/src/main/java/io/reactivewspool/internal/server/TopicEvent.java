package io.reactivewspool.internal.server;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.OutboundFrame;

/**
 * One broadcast as it travels through topic sinks: its frames, encoded once per codec and shared
 * by every recipient of that codec ({@link CodecFrames}), who must not receive it, and how many
 * connections took it.
 *
 * <p>The count is a plain field: the topic sinks deliver synchronously, so every connection that
 * takes the event counts it on the emitting thread, which reads the total when its pass is done.
 */
final class TopicEvent extends CodecFrames {

    final Set<String> excluded;
    /** Connection ids that already took this event; non-null only for multi-topic broadcasts. */
    final Set<String> claimed;
    private int reached;
    private static final int[] NO_HASHES = {};
    private final int[] excludedHashes;

    TopicEvent(OutboundFrame frame, WsMessage message, Set<String> excluded, boolean multiTopic, WsCodec codec) {
        super(codec, frame, message);
        this.excluded = excluded == null ? Set.of() : excluded;
        this.excludedHashes = this.excluded.isEmpty() ? NO_HASHES
                : this.excluded.stream().mapToInt(String::hashCode).toArray();
        this.claimed = multiTopic ? ConcurrentHashMap.newKeySet() : null;
    }

    private boolean mayExclude(int idHash) {
        for (int h : excludedHashes) {
            if (h == idHash) {
                return true;
            }
        }
        return false;
    }

    /** Counts one more connection that took the event; only on the emitting thread. */
    void countReached() {
        reached++;
    }

    /** How many connections took the event; read by the emitting thread after its pass. */
    int reached() {
        return reached;
    }

    /**
     * Whether the connection should take this event (and, for multi-topic events, claims it).
     * The id's hash is compared first: a broadcast visits every subscriber, and most are not
     * excluded, so their id strings need not be read.
     */
    boolean admits(String connectionId, int idHash) {
        if (mayExclude(idHash) && excluded.contains(connectionId)) {
            return false;
        }
        return claimed == null || claimed.add(connectionId);
    }
}
