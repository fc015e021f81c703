package io.reactivewspool.internal.server;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

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
    private final Consumer<OutboundFrame> onSent;
    private final ConcurrentLinkedQueue<OutboundFrame> queue = new ConcurrentLinkedQueue<>();
    // size is kept apart from the queue: ConcurrentLinkedQueue.size() is O(n).
    private final AtomicInteger size = new AtomicInteger();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicInteger wip = new AtomicInteger();
    private final AtomicLong requested = new AtomicLong();
    private final AtomicInteger subscribed = new AtomicInteger();
    private volatile Subscriber<? super OutboundFrame> actual;
    private volatile boolean done;
    private volatile boolean cancelled;
    private boolean terminated;

    OutboundQueue(int capacity, OverflowPolicy policy, Consumer<OutboundFrame> onSent) {
        this.capacity = capacity;
        this.policy = policy;
        this.onSent = onSent;
    }

    Offer offer(OutboundFrame frame) {
        if (done || cancelled) {
            return Offer.CLOSED;
        }
        // Fast path: nothing queued, demand outstanding and no drain running: hand the frame over
        // without queueing it (the common case of a consumer that keeps up).
        if (wip.get() == 0 && wip.compareAndSet(0, 1)) {
            Subscriber<? super OutboundFrame> a = actual;
            long r = requested.get();
            if (a != null && r != 0 && !terminated && !cancelled && queue.isEmpty()) {
                if (r != Long.MAX_VALUE) {
                    requested.decrementAndGet();
                }
                a.onNext(frame);
                onSent.accept(frame);
                if (wip.decrementAndGet() != 0) {
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
        if (size.incrementAndGet() > capacity) {
            switch (policy) {
                case DROP_NEWEST -> {
                    size.decrementAndGet();
                    return Offer.DROPPED_NEWEST;
                }
                case DISCONNECT -> {
                    size.decrementAndGet();
                    return Offer.OVERFLOW;
                }
                case DROP_OLDEST -> {
                    // The consumer may have taken the head meanwhile: then there is room and nothing is dropped.
                    OutboundFrame oldest = queue.poll();
                    if (oldest != null) {
                        size.decrementAndGet();
                        bytes.addAndGet(-oldest.size());
                        result = Offer.DROPPED_OLDEST;
                    }
                }
            }
        }
        bytes.addAndGet(frame.size());
        queue.offer(frame);
        return result;
    }

    /** No more frames: completes the consumer once the queue is drained. */
    void complete() {
        done = true;
        drain();
    }

    int size() {
        return Math.max(0, size.get());
    }

    long bytes() {
        return Math.max(0, bytes.get());
    }

    @Override
    public void subscribe(Subscriber<? super OutboundFrame> s) {
        if (subscribed.getAndIncrement() != 0) {
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
            requested.getAndUpdate(r -> Operators.addCap(r, n));
            drain();
        }
    }

    @Override
    public void cancel() {
        cancelled = true;
        drain();
    }

    private void drain() {
        if (wip.getAndIncrement() != 0) {
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
                long r = requested.get();
                long e = 0;
                while (e != r && !cancelled) {
                    OutboundFrame f = queue.poll();
                    if (f == null) {
                        break;
                    }
                    size.decrementAndGet();
                    bytes.addAndGet(-f.size());
                    a.onNext(f);
                    onSent.accept(f);
                    e++;
                }
                if (cancelled) {
                    continue;
                }
                if (done && queue.isEmpty()) {
                    terminated = true;
                    a.onComplete();
                    return;
                }
                if (e != 0 && r != Long.MAX_VALUE) {
                    requested.addAndGet(-e);
                }
            }
            missed = wip.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
        }
    }

    private void clear() {
        while (queue.poll() != null) {
            size.decrementAndGet();
        }
        bytes.set(0);
    }
}
