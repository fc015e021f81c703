package io.reactivewspool.internal.server;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;

import io.reactivewspool.history.TopicHistory;
import io.reactivewspool.internal.history.HistoryOffset;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.OutboundFrame;
import io.reactivewspool.server.OverflowPolicy;
import tools.jackson.databind.JsonNode;

/**
 * One connection's subscription to a topic while it recovers ({@code subscribe} with
 * {@code data.since}). The connection is attached to the topic first and live events are held
 * here (at most {@code limit}); when the history has answered, {@link #complete} queues the
 * replayed messages, then the {@code subscribed} reply, then the held events newer than the last
 * replayed offset, and switches to live delivery. From then on, events of that offset's epoch at
 * or below it are skipped, not only until the first live event past it: the history may already
 * hold a message whose delivery (after its append completed) reaches this subscription later,
 * even after later ones (a hub that has just started to follow the topic delivers a message
 * older than the first one it saw when it comes, see {@link TopicContinuity}).
 *
 * <p>After a complete replay the subscription also keeps its position (the last offset it
 * delivered, or a {@code gap} told it to resume after) and never goes back within an epoch: a
 * live message past the next offset is preceded by a {@code gap} (counted) for the offsets in
 * between, and one at or below the position is not delivered. The continuity keeps a topic's
 * messages in order from the first one this node saw, but one older than that may come after it
 * (its publishing node was slower) while this subscription's replay ended below it: delivered
 * then, it would come after a later offset, and the client could tell the loss only after it.
 *
 * <p>{@code recovered:true} promises that the client gets every message after its offset, so the
 * replay, the reply and the held events are queued only when they all fit: in the queue's free
 * space, or (drop-oldest, which makes room by dropping older frames) in its capacity. Otherwise
 * the replay is left out and the reply says {@code recovered:false} with the latest offset; the
 * reply then never meets a full queue of the replay's making (no dropped reply, no 4001).
 * {@link io.reactivewspool.server.WsHubOptions} refuses a history whose full replay could never
 * fit an empty queue.
 */
final class TopicRecovery implements Consumer<TopicEvent> {

    private final HubConnection connection;
    private final int limit;
    private final OverflowPolicy policy;
    private List<TopicEvent> held = new ArrayList<>(); // guarded by this until live
    private boolean overflowed; // guarded by this
    private volatile boolean live;
    private final LongAdder gapsReported;
    private Function<WsMessage, OutboundFrame> encoder;
    /**
     * After a complete replay, the last offset delivered or covered by a gap; {@code null} before
     * (or without) one. Read and written only by the delivering thread: {@link #complete} under
     * this monitor, then the topic's emitting thread (one at a time), after the volatile
     * {@link #live}.
     */
    private HistoryOffset position;

    /**
     * @param limit  the connection's queue capacity: at most this many live events are held
     * @param policy the connection's overflow policy
     * @param gapsReported counts the gaps this subscription tells its client of
     */
    TopicRecovery(HubConnection connection, int limit, OverflowPolicy policy, LongAdder gapsReported) {
        this.connection = connection;
        this.limit = limit;
        this.policy = policy;
        this.gapsReported = gapsReported;
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
                     BiFunction<Boolean, String, OutboundFrame> subscribed,
                     Function<WsMessage, OutboundFrame> encoder) {
        synchronized (this) {
            this.encoder = encoder;
            boolean recovered = replay != null && replay.recovered() && !overflowed
                    && fits(replay.messages().size() + 1 + held.size());
            HistoryOffset last = null;
            if (recovered) {
                last = since;
                // Drop-oldest may drop the frames queued before the replay, never a replayed one.
                int older = connection.queue.size();
                for (WsMessage m : replay.messages()) {
                    OutboundQueue.Offer r = connection.queue.offer(encoder.apply(m));
                    connection.offered(r);
                    // Everything fits (checked above): a refusal means another producer filled the
                    // queue meanwhile, and the client does not get the whole replay.
                    if (r != OutboundQueue.Offer.QUEUED && !(r == OutboundQueue.Offer.DROPPED_OLDEST && older-- > 0)) {
                        recovered = false;
                        break;
                    }
                    if (m.offset() != null) {
                        last = HistoryOffset.parse(m.offset());
                    }
                }
            }
            connection.offer(subscribed.apply(recovered, replay == null ? null : replay.offset()));
            position = recovered ? last : null;
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

    /** Whether {@code frames} more frames can be queued without dropping any of them. */
    private boolean fits(int frames) {
        int room = policy == OverflowPolicy.DROP_OLDEST ? limit : limit - connection.queue.size();
        return frames <= room;
    }

    private boolean deliver(TopicEvent event) {
        HistoryOffset at = position;
        if (at == null) {
            return connection.deliver(event);
        }
        WsMessage m = event.message();
        if (WsMessage.GAP.equals(m.type())) {
            JsonNode offset = m.data() == null ? null : m.data().get("offset");
            HistoryOffset resumeAfter = offset == null ? null : offsetOf(offset.asString());
            if (resumeAfter != null && (!resumeAfter.epoch().equals(at.epoch()) || resumeAfter.seq() > at.seq())) {
                position = resumeAfter;
            }
            return connection.deliver(event);
        }
        HistoryOffset o = offsetOf(m.offset());
        if (o == null) {
            return connection.deliver(event);
        }
        if (o.epoch().equals(at.epoch())) {
            if (o.seq() <= at.seq()) {
                return false; // replayed, or inside a gap already told
            }
            if (o.seq() > at.seq() + 1) {
                HistoryOffset resumeAfter = new HistoryOffset(o.epoch(), o.seq() - 1);
                gapsReported.increment();
                connection.offer(encoder.apply(WsMessage.builder(WsMessage.GAP).topic(m.topic())
                        .data(Map.of("offset", resumeAfter.toString(), "reason", "older messages came after this one"))
                        .build()));
            }
        }
        // Another epoch: its gap (history reset) came first, or offsets of another node's own history.
        position = o;
        return connection.deliver(event);
    }

    private static HistoryOffset offsetOf(String offset) {
        if (offset == null) {
            return null;
        }
        try {
            return HistoryOffset.parse(offset);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
