package io.reactivewspool.internal.server;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import io.reactivewspool.history.TopicHistory;
import io.reactivewspool.internal.history.HistoryOffset;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.OutboundFrame;

/**
 * One connection's subscription to a topic while it recovers ({@code subscribe} with
 * {@code data.since}). The connection is attached to the topic first and live events are held
 * here (at most {@code limit}); when the history has answered, {@link #complete} queues the
 * replayed messages, then the {@code subscribed} reply, then the held events newer than the last
 * replayed offset, and switches to live delivery. Until the first live event past that offset,
 * events at or below it are skipped: the history may already hold a message whose delivery
 * (after its append completed) reaches this subscription later.
 */
final class TopicRecovery implements Consumer<TopicEvent> {

    private final DefaultConnection connection;
    private final int limit;
    private List<TopicEvent> held = new ArrayList<>(); // guarded by this until live
    private boolean overflowed; // guarded by this
    private volatile boolean live;
    private volatile HistoryOffset skipUpTo;

    TopicRecovery(DefaultConnection connection, int limit) {
        this.connection = connection;
        this.limit = limit;
    }

    @Override
    public void accept(TopicEvent event) {
        if (!live) {
            synchronized (this) {
                if (!live) {
                    if (held.size() >= limit) {
                        overflowed = true;
                    } else {
                        held.add(event);
                    }
                    return;
                }
            }
        }
        if (deliver(event)) {
            event.countReached();
        }
    }

    /**
     * Queues the replay, the reply and the held events, then goes live.
     *
     * @param replay   what the history answered, or {@code null} when it could not be read
     * @param since    the offset the client gave
     * @param subscribed builds the {@code subscribed} reply from the final {@code recovered} flag
     *                   and the topic's latest offset (may be {@code null})
     * @return whether the replay was complete ({@code recovered})
     */
    boolean complete(TopicHistory.Replay replay, HistoryOffset since,
                     java.util.function.BiFunction<Boolean, String, OutboundFrame> subscribed,
                     java.util.function.Function<WsMessage, OutboundFrame> encoder) {
        synchronized (this) {
            boolean recovered = replay != null && replay.recovered() && !overflowed;
            HistoryOffset last = null;
            if (replay != null && replay.recovered()) {
                last = since;
                for (WsMessage m : replay.messages()) {
                    connection.offer(encoder.apply(m));
                    if (m.offset() != null) {
                        last = HistoryOffset.parse(m.offset());
                    }
                }
            }
            connection.offer(subscribed.apply(recovered, replay == null ? null : replay.offset()));
            skipUpTo = last;
            List<TopicEvent> pending = held;
            held = null;
            // Not counted as reached: their broadcasters have returned their counts already.
            for (TopicEvent e : pending) {
                deliver(e);
            }
            // Only now: a live event arriving meanwhile waits on this monitor instead of overtaking.
            live = true;
            return recovered;
        }
    }

    private boolean deliver(TopicEvent event) {
        HistoryOffset skip = skipUpTo;
        if (skip != null) {
            String offset = event.message().offset();
            if (offset != null) {
                HistoryOffset o;
                try {
                    o = HistoryOffset.parse(offset);
                } catch (RuntimeException e) {
                    o = null;
                }
                if (o != null && o.epoch().equals(skip.epoch()) && o.seq() <= skip.seq()) {
                    return false; // already replayed
                }
                skipUpTo = null;
            }
        }
        return connection.deliver(event);
    }
}
