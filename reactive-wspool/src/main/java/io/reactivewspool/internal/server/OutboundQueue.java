package io.reactivewspool.internal.server;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.concurrent.atomic.LongAdder;

import io.reactivewspool.server.OutboundFrame;
import io.reactivewspool.server.OverflowPolicy;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import reactor.core.publisher.Operators;

/**
 * One connection's bounded outbound queue: many producers (topic sinks on any thread, direct
 * sends, the heartbeat), one consumer (the transport's send publisher, which requests only while
 * its channel is writable). A full queue applies the {@link OverflowPolicy} instead of blocking
 * or growing, so one slow client costs at most {@code capacity} frames of memory and never
 * delays other connections.
 */
final class OutboundQueue implements Publisher<OutboundFrame>, Subscription {

    enum Offer { QUEUED, DROPPED_OLDEST, DROPPED_NEWEST, OVERFLOW, CLOSED }

    private final int capacity;
    private final OverflowPolicy policy;
    private final LongAdder sentTotal;
    @SuppressWarnings("rawtypes")
    private static final AtomicReferenceFieldUpdater<OutboundQueue, ConcurrentLinkedQueue> QUEUE =
            AtomicReferenceFieldUpdater.newUpdater(OutboundQueue.class, ConcurrentLinkedQueue.class, "queue");
    /**
     * Created by the first frame that has to wait: a consumer that keeps up takes every frame
     * straight from {@link #offer}, and an idle connection then never pays for an empty queue.
     */
    private volatile ConcurrentLinkedQueue<OutboundFrame> queue;
    // The counters are fields of this object, not atomics of their own: a broadcast to 10,000
    // connections touches each queue once, and every separate object is one more cache miss.
    // size is kept apart from the queue: ConcurrentLinkedQueue.size() is O(n).
    private static final AtomicIntegerFieldUpdater<OutboundQueue> SIZE = AtomicIntegerFieldUpdater.newUpdater(OutboundQueue.class, "size");
    private static final AtomicLongFieldUpdater<OutboundQueue> BYTES = AtomicLongFieldUpdater.newUpdater(OutboundQueue.class, "bytes");
    private static final AtomicIntegerFieldUpdater<OutboundQueue> WIP = AtomicIntegerFieldUpdater.newUpdater(OutboundQueue.class, "wip");
    private static final AtomicLongFieldUpdater<OutboundQueue> REQUESTED = AtomicLongFieldUpdater.newUpdater(OutboundQueue.class, "requested");
    private static final AtomicLongFieldUpdater<OutboundQueue> SENT = AtomicLongFieldUpdater.newUpdater(OutboundQueue.class, "sent");
    private static final AtomicIntegerFieldUpdater<OutboundQueue> SUBSCRIBED = AtomicIntegerFieldUpdater.newUpdater(OutboundQueue.class, "subscribed");
    private volatile int size;
    private volatile long bytes;
    private volatile int wip;
    /** All demand ever signalled (capped at Long.MAX_VALUE: unbounded); never decremented. */
    private volatile long requested;
    /**
     * Frames handed to the consumer. Written only by the thread holding {@code wip}, so an
     * ordered store suffices; {@code requested - sent} is the outstanding demand, which saves a
     * locked decrement per frame.
     */
    private volatile long sent;
    private volatile int subscribed;
    private volatile Subscriber<? super OutboundFrame> actual;
    private volatile boolean done;
    private volatile boolean cancelled;
    private boolean terminated;

    /**
     * @param sentTotal counts every frame handed to the consumer, summed over queues (the hub's total)
     */
    OutboundQueue(int capacity, OverflowPolicy policy, LongAdder sentTotal) {
        this.capacity = capacity;
        this.policy = policy;
        this.sentTotal = sentTotal;
    }

    Offer offer(OutboundFrame frame) {
        if (done || cancelled) {
            return Offer.CLOSED;
        }
        // Fast path: nothing queued, demand outstanding and no drain running: hand the frame over
        // without queueing it (the common case of a consumer that keeps up).
        if (wip == 0 && WIP.compareAndSet(this, 0, 1)) {
            Subscriber<? super OutboundFrame> a = actual;
            long n = sent;
            // size counts a frame before it is queued and until after it is taken: 0 means empty
            if (a != null && requested != n && !terminated && !cancelled && size == 0) {
                SENT.lazySet(this, n + 1);
                a.onNext(frame);
                sentTotal.increment();
                if (WIP.decrementAndGet(this) != 0) {
                    drainLoop();
                }
                return Offer.QUEUED;
            }
            Offer result = enqueue(frame);
            drainLoop();
            return result;
        }
        Offer result = enqueue(frame);
        drain();
        return result;
    }

    private Offer enqueue(OutboundFrame frame) {
        Offer result = Offer.QUEUED;
        if (SIZE.incrementAndGet(this) > capacity) {
            switch (policy) {
                case DROP_NEWEST -> {
                    SIZE.decrementAndGet(this);
                    return Offer.DROPPED_NEWEST;
                }
                case DISCONNECT -> {
                    SIZE.decrementAndGet(this);
                    return Offer.OVERFLOW;
                }
                case DROP_OLDEST -> {
                    // The consumer may have taken the head meanwhile: then there is room and nothing is dropped.
                    OutboundFrame oldest = queue().poll();
                    if (oldest != null) {
                        SIZE.decrementAndGet(this);
                        BYTES.addAndGet(this, -oldest.size());
                        result = Offer.DROPPED_OLDEST;
                    }
                }
            }
        }
        BYTES.addAndGet(this, frame.size());
        queue().offer(frame);
        return result;
    }

    @SuppressWarnings("unchecked")
    private ConcurrentLinkedQueue<OutboundFrame> queue() {
        ConcurrentLinkedQueue<OutboundFrame> q = queue;
        if (q == null) {
            QUEUE.compareAndSet(this, null, new ConcurrentLinkedQueue<OutboundFrame>());
            q = queue;
        }
        return q;
    }

    /** No more frames: completes the consumer once the queue is drained. */
    void complete() {
        done = true;
        drain();
    }

    int size() {
        return Math.max(0, size);
    }

    long bytes() {
        return Math.max(0, bytes);
    }

    /** Frames handed to the consumer so far. */
    long sent() {
        return sent;
    }

    @Override
    public void subscribe(Subscriber<? super OutboundFrame> s) {
        if (SUBSCRIBED.getAndIncrement(this) != 0) {
            Operators.error(s, new IllegalStateException("an outbound queue accepts one subscriber"));
            return;
        }
        s.onSubscribe(this);
        actual = s;
        drain();
    }

    @Override
    public void request(long n) {
        if (Operators.validate(n)) {
            Operators.addCap(REQUESTED, this, n);
            drain();
        }
    }

    @Override
    public void cancel() {
        cancelled = true;
        drain();
    }

    private void drain() {
        if (WIP.getAndIncrement(this) != 0) {
            return;
        }
        drainLoop();
    }

    /** The drain loop; the caller holds one count of {@code wip}. */
    private void drainLoop() {
        int missed = 1;
        for (;;) {
            if (terminated) {
                return;
            }
            if (cancelled) {
                clear();
                terminated = true;
                return;
            }
            Subscriber<? super OutboundFrame> a = actual;
            if (a != null) {
                long n = sent;
                ConcurrentLinkedQueue<OutboundFrame> q = queue;
                // requested is re-read: onNext may signal more demand (it only grows)
                while (q != null && requested != n && !cancelled) {
                    OutboundFrame f = q.poll();
                    if (f == null) {
                        break;
                    }
                    SIZE.decrementAndGet(this);
                    BYTES.addAndGet(this, -f.size());
                    SENT.lazySet(this, ++n);
                    a.onNext(f);
                    sentTotal.increment();
                }
                if (cancelled) {
                    continue;
                }
                if (done && (q == null || q.isEmpty()) && queue == q) {
                    terminated = true;
                    a.onComplete();
                    return;
                }
            }
            missed = WIP.addAndGet(this, -missed);
            if (missed == 0) {
                return;
            }
        }
    }

    private void clear() {
        ConcurrentLinkedQueue<OutboundFrame> q = queue;
        while (q != null && q.poll() != null) {
            SIZE.decrementAndGet(this);
        }
        BYTES.set(this, 0);
    }
}
