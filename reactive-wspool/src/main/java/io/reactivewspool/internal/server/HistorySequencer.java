package io.reactivewspool.internal.server;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import io.reactivewspool.history.TopicHistory;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.WsPublishException;

/**
 * Appends topic messages to the history and hands them on for delivery in offset order, per
 * topic, whatever thread broadcasts and however the history completes its appends.
 *
 * <p>Per topic: appends are issued in submission order, one issuer at a time, and only ever by a
 * submitting thread (so a history that assigns offsets in command order, like Redis on one
 * connection, numbers them in that order), and delivered from the head of an in-flight queue
 * only once the head's append has completed. An append's completion only delivers, it never
 * issues: for Redis it runs on Lettuce's I/O thread, where a write goes out at once, ahead of
 * writes that submitting threads have already queued for that thread, which would number a
 * later message before an earlier one. A synchronous history (the in-memory ring) completes in
 * line, so the submitter delivers before it returns unless another thread is delivering the same
 * topic.
 *
 * <p>A message is delivered only once stored. With a shared history, a message delivered here but
 * not stored would be a gap that other nodes' subscribers can neither see nor recover; so a failed
 * append, and a message beyond {@link #MAX_PENDING} waiting appends of its topic, is delivered
 * nowhere, and told to the hub (counted and logged). The history itself bounds how long an append
 * may take (e.g. Lettuce's command timeout).
 */
final class HistorySequencer {

    /** Messages per topic that may wait for their append; beyond that new ones are refused. */
    static final int MAX_PENDING = 8192;

    /** What the sequencer hands on: the message (with its offset when stored), its exclusions and outcome. */
    interface Delivery {
        /**
         * Delivers; returns how many local connections it reached. {@code outcome} (may be
         * {@code null}) is to hear the broker's answer; the sequencer tells it the delivery.
         */
        int deliver(String topic, WsMessage message, Set<String> excluded, PublishOutcome outcome);
    }

    private final TopicHistory history;
    private final Delivery delivery;
    private final BiConsumer<String, Throwable> onAppendFailed;
    private final Consumer<String> onBypassed;
    private final ConcurrentHashMap<String, Sequence> sequences = new ConcurrentHashMap<>();

    HistorySequencer(TopicHistory history, Delivery delivery, BiConsumer<String, Throwable> onAppendFailed,
                     Consumer<String> onBypassed) {
        this.history = history;
        this.delivery = delivery;
        this.onAppendFailed = onAppendFailed;
        this.onBypassed = onBypassed;
    }

    /**
     * Submits a stamped message of {@code topic}; returns how many local connections it reached
     * when it was delivered (or refused: 0) before this call returned, otherwise -1.
     */
    int submit(String topic, WsMessage stamped, Set<String> excluded) {
        return submit(topic, stamped, excluded, null);
    }

    /**
     * As {@link #submit(String, WsMessage, Set)}; {@code outcome} (may be {@code null}) is told the
     * stored message once it is delivered, or that it was refused (not stored, so delivered nowhere).
     */
    int submit(String topic, WsMessage stamped, Set<String> excluded, PublishOutcome outcome) {
        boolean[] full = {false};
        Sequence s = sequences.compute(topic, (k, v) -> {
            Sequence seq = v == null ? new Sequence(k) : v;
            if (seq.count >= MAX_PENDING) {
                full[0] = true;
            } else {
                seq.count++;
            }
            return seq;
        });
        if (full[0]) {
            onBypassed.accept(topic);
            if (outcome != null) {
                outcome.refused(WsPublishException.Reason.HISTORY_BACKLOG, null);
            }
            return 0;
        }
        Slot slot = new Slot(stamped, excluded, outcome);
        s.toIssue.offer(slot);
        s.issueAll();
        s.deliverCompleted();
        return slot.delivered ? slot.reached : -1;
    }

    int pendingTopics() {
        return sequences.size();
    }

    private static final class Slot {
        final WsMessage message;
        final Set<String> excluded;
        final PublishOutcome outcome;
        volatile WsMessage stored;
        volatile Throwable failure;
        volatile boolean done;
        volatile boolean delivered;
        int reached; // written before delivered

        Slot(WsMessage message, Set<String> excluded, PublishOutcome outcome) {
            this.message = message;
            this.excluded = excluded;
            this.outcome = outcome;
        }
    }

    private final class Sequence {
        final String topic;
        final ConcurrentLinkedQueue<Slot> toIssue = new ConcurrentLinkedQueue<>();
        /** Issued, in issue order: appended by the issuer, taken from the head by the deliverer. */
        final ConcurrentLinkedQueue<Slot> inFlight = new ConcurrentLinkedQueue<>();
        final AtomicInteger issuing = new AtomicInteger();
        final AtomicInteger delivering = new AtomicInteger();
        int count; // guarded by the map's compute

        Sequence(String topic) {
            this.topic = topic;
        }

        /** Called by submitters only: issues every waiting append, in order, one issuer at a time. */
        void issueAll() {
            if (issuing.getAndIncrement() != 0) {
                return;
            }
            int missed = 1;
            for (;;) {
                Slot next;
                while ((next = toIssue.poll()) != null) {
                    inFlight.offer(next);
                    issue(next);
                }
                missed = issuing.addAndGet(-missed);
                if (missed == 0) {
                    return;
                }
            }
        }

        /** Delivers the completed head of the in-flight queue, in order, one deliverer at a time. */
        void deliverCompleted() {
            if (delivering.getAndIncrement() != 0) {
                return;
            }
            int missed = 1;
            for (;;) {
                Slot head;
                while ((head = inFlight.peek()) != null && head.done) {
                    inFlight.poll();
                    try {
                        // Not stored (the append failed): delivered nowhere, already reported.
                        head.reached = head.stored == null ? 0
                                : delivery.deliver(topic, head.stored, head.excluded, head.outcome);
                    } finally {
                        head.delivered = true;
                        sequences.computeIfPresent(topic, (k, v) -> --v.count <= 0 ? null : v);
                    }
                    if (head.outcome != null) {
                        if (head.stored != null) {
                            head.outcome.delivered(head.stored, head.reached);
                        } else {
                            head.outcome.refused(WsPublishException.Reason.NOT_STORED, head.failure);
                        }
                    }
                }
                missed = delivering.addAndGet(-missed);
                if (missed == 0) {
                    return;
                }
            }
        }

        private void issue(Slot slot) {
            // A synchronous history completes inside subscribe: deliverCompleted() then delivers
            // the slot at once, or the submitter's own call right after issuing does.
            history.append(topic, slot.message).subscribe(stored -> {
                slot.stored = stored;
                slot.done = true;
                deliverCompleted();
            }, e -> {
                onAppendFailed.accept(topic, e);
                slot.failure = e;
                slot.done = true;
                deliverCompleted();
            }, () -> {
                if (!slot.done) {
                    slot.done = true;
                    deliverCompleted();
                }
            });
        }
    }
}
