package io.reactivewspool.internal.client;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

import io.reactivewspool.internal.history.HistoryOffset;

/**
 * What a topic client has handed the application of one topic, by offset ({@code EPOCH:SEQ}):
 * per epoch the highest sequence delivered and the last {@value #RECENT} sequences delivered.
 * A message at or below the highest one of its epoch is never delivered again; the recent ones
 * tell a duplicate (delivered already: a replay overlapping live delivery) from a message that
 * arrives after a later one it should have preceded (never delivered: a loss the client must
 * report). Not thread-safe: the topic's delivery lock guards it.
 *
 * <pre>{@code
 * DeliveredOffsets d = new DeliveredOffsets();
 * d.admit("e:5");   // NEW
 * d.admit("e:5");   // DUPLICATE
 * d.admit("e:7");   // NEW
 * d.admit("e:6");   // LATE: never delivered, and now out of order
 * }</pre>
 */
final class DeliveredOffsets {

    /** Delivered sequences remembered per epoch. */
    static final int RECENT = 256;
    /** Epochs remembered (a history reset starts a new one). */
    static final int EPOCHS = 4;

    enum Verdict {
        /** Above everything delivered in its epoch (or not an {@code EPOCH:SEQ} offset): deliver it. */
        NEW,
        /** Delivered already: suppress it. */
        DUPLICATE,
        /** Below a delivered one but never delivered itself, or too old to tell: suppress it and report a gap. */
        LATE
    }

    private static final class Epoch {
        long last = -1;
        /** The recent sequences delivered (a ring; {@code next} is the slot written next). */
        final long[] recent = new long[RECENT];
        int next;
        int size;

        void delivered(long seq) {
            last = seq;
            recent[next] = seq;
            next = (next + 1) % RECENT;
            size = Math.min(size + 1, RECENT);
        }

        /** Whether {@code seq} is one of the recent deliveries (older ones cannot be told: not). */
        boolean wasDelivered(long seq) {
            for (int i = 0; i < size; i++) {
                if (recent[i] == seq) {
                    return true;
                }
            }
            return false;
        }
    }

    private final Map<String, Epoch> epochs = new LinkedHashMap<>();

    /** Decides about a message with {@code offset}, and records it as delivered when it is {@link Verdict#NEW}. */
    Verdict admit(String offset) {
        HistoryOffset o;
        try {
            o = HistoryOffset.parse(offset);
        } catch (RuntimeException e) {
            return Verdict.NEW; // not an offset this client can order: passed on as it came
        }
        Epoch e = epochs.get(o.epoch());
        if (e == null) {
            e = new Epoch();
            epochs.put(o.epoch(), e);
            if (epochs.size() > EPOCHS) {
                Iterator<String> oldest = epochs.keySet().iterator();
                oldest.next();
                oldest.remove();
            }
        }
        if (o.seq() > e.last) {
            e.delivered(o.seq());
            return Verdict.NEW;
        }
        return e.wasDelivered(o.seq()) ? Verdict.DUPLICATE : Verdict.LATE;
    }
}
