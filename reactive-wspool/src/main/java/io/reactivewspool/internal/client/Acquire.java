package io.reactivewspool.internal.client;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.pool.PooledRef;
import reactor.util.context.Context;

/**
 * One acquire, under one deadline that covers all of it: a parked connection from the
 * {@link IdleLane}, waiting there or in reactor-pool for a slot, connecting (with its backoff), the
 * ping of a long-idle connection, the acquire hook, and trying again after a connection that failed
 * them. This operator owns the deadline; reactor-pool's borrower has no timer of its own, so no
 * second timer can fire at another moment. The hand-over and the deadline (or a cancel) race for
 * {@link #state}: a slot that arrives after either lost it is given back at once, never dropped.
 *
 * @param <T> a borrowed connection (exclusive) or the slot itself (a request lease)
 */
final class Acquire<T> implements CoreSubscriber<PooledRef<PoolEntry>>, Subscription, Runnable, IdleLane.Waiter {

    /** An acquire as a Mono: nothing happens until the subscriber requests. */
    static <T> Mono<T> mono(SlotSource source, boolean exclusive) {
        return new Mono<T>() {
            @Override
            public void subscribe(CoreSubscriber<? super T> actual) {
                actual.onSubscribe(new Acquire<>(source, actual, exclusive, source.nanoTime()));
            }
        };
    }

    /** An acquire whose deadline counts from {@code start} (the pool's clock): the rest of a wait begun before. */
    static <T> Mono<T> mono(SlotSource source, boolean exclusive, long start) {
        return new Mono<T>() {
            @Override
            public void subscribe(CoreSubscriber<? super T> actual) {
                actual.onSubscribe(new Acquire<>(source, actual, exclusive, start));
            }
        };
    }

    private static final int RUNNING = 0;
    private static final int DONE = 1;
    private static final int GAVE_UP = 2;
    @SuppressWarnings("rawtypes")
    private static final AtomicIntegerFieldUpdater<Acquire> STATE = AtomicIntegerFieldUpdater.newUpdater(Acquire.class, "state");
    @SuppressWarnings("rawtypes")
    private static final AtomicReferenceFieldUpdater<Acquire, Subscription> UPSTREAM =
            AtomicReferenceFieldUpdater.newUpdater(Acquire.class, Subscription.class, "upstream");
    @SuppressWarnings("rawtypes")
    private static final AtomicReferenceFieldUpdater<Acquire, PooledRef> CHECKING =
            AtomicReferenceFieldUpdater.newUpdater(Acquire.class, PooledRef.class, "checking");
    @SuppressWarnings("rawtypes")
    private static final AtomicReferenceFieldUpdater<Acquire, Disposable> TIMER =
            AtomicReferenceFieldUpdater.newUpdater(Acquire.class, Disposable.class, "timer");

    private final SlotSource source;
    private final CoreSubscriber<? super T> actual;
    private final boolean exclusive;
    private final long start;
    private volatile int state;
    private volatile boolean started;
    /** reactor-pool's borrower of the current attempt, or the validation of its slot. */
    private volatile Subscription upstream;
    /** The slot being validated, owned by whoever clears this field first: the verdict, or a cancel. */
    private volatile PooledRef<PoolEntry> checking;
    private volatile Disposable timer;

    private Acquire(SlotSource source, CoreSubscriber<? super T> actual, boolean exclusive, long start) {
        this.source = source;
        this.actual = actual;
        this.exclusive = exclusive;
        this.start = start;
    }

    @Override
    public Context currentContext() {
        return actual.currentContext();
    }

    @Override
    public void request(long n) {
        if (n <= 0 || started) {
            return;
        }
        started = true;
        attempt();
    }

    /** A parked connection; else wait in the lane when reactor-pool could not serve either; else reactor-pool. */
    private void attempt() {
        if (state != RUNNING) {
            return;
        }
        PooledRef<PoolEntry> ref = source.lane().poll();
        if (ref != null) {
            onNext(ref);
        } else if (!source.poolServesNow()) {
            if (!source.lane().enqueue(this) && STATE.compareAndSet(this, RUNNING, GAVE_UP)) {
                actual.onError(source.acquireError(source.pendingLimit()));
            }
        } else {
            promote();
        }
    }

    @Override
    public long deadline() {
        return start + source.acquireTimeoutNanos();
    }

    @Override
    public boolean offer(PooledRef<PoolEntry> ref) {
        if (state != RUNNING) {
            return false;
        }
        onNext(ref);
        return true;
    }

    /** Acquires from reactor-pool, armed with what is left of the deadline unless served at once. */
    @Override
    public void promote() {
        if (state != RUNNING) {
            return;
        }
        source.poolAcquire().subscribe(this);
        armDeadline();
    }

    /** Not served at once: a timer of its own for what is left of the deadline, unless one is armed or it is over already. */
    private void armDeadline() {
        if (state == RUNNING && timer == null) {
            long left = deadline() - source.nanoTime();
            Disposable t = source.scheduler().schedule(this, Math.max(0, left), TimeUnit.NANOSECONDS);
            if (!TIMER.compareAndSet(this, null, t) || state != RUNNING) {
                t.dispose();
            }
        }
    }

    @Override
    public void expire() {
        run();
    }

    @Override
    public void cancel() {
        if (STATE.compareAndSet(this, RUNNING, GAVE_UP)) {
            source.lane().remove(this);
            stop();
        }
    }

    /** The deadline. */
    @Override
    public void run() {
        if (STATE.compareAndSet(this, RUNNING, GAVE_UP)) {
            stop();
            actual.onError(source.acquireError(new TimeoutException()));
        }
    }

    private void stop() {
        Disposable t = TIMER.getAndSet(this, Disposables.disposed());
        if (t != null) {
            t.dispose();
        }
        Subscription s = UPSTREAM.getAndSet(this, Operators.cancelledSubscription());
        if (s != null) {
            s.cancel();
        }
        @SuppressWarnings("unchecked")
        PooledRef<PoolEntry> ref = CHECKING.getAndSet(this, null);
        if (ref != null) {
            source.giveBack(ref);
        }
    }

    @Override
    public void onSubscribe(Subscription s) {
        Subscription current = upstream;
        if (current == Operators.cancelledSubscription() || !UPSTREAM.compareAndSet(this, current, s)) {
            s.cancel();
            return;
        }
        s.request(Long.MAX_VALUE);
        // A lane waiter is promoted on another thread, so a cancel can run between the CAS above and the request: it
        // cancelled a borrower that reactor-pool had not queued yet, and the request queued it after all. Cancel again.
        if (upstream == Operators.cancelledSubscription()) {
            s.cancel();
        }
    }

    /** A slot, from the lane or from reactor-pool. */
    @Override
    public void onNext(PooledRef<PoolEntry> ref) {
        if (state != RUNNING) {
            source.giveBack(ref);
            return;
        }
        PoolEntry e = ref.poolable();
        if (source.readyAsIs(e, start)) {
            deliver(ref);
        } else if (e.unusable(source.nanoTime())) {
            tryAnother(ref);
        } else {
            checking = ref;
            if (state != RUNNING) {
                // gave up while we set it: whoever clears the field gives the slot back
                if (CHECKING.compareAndSet(this, ref, null)) {
                    source.giveBack(ref);
                }
                return;
            }
            armDeadline();
            source.approve(e).subscribe(new Verdict(ref));
        }
    }

    @Override
    public void onError(Throwable t) {
        if (STATE.compareAndSet(this, RUNNING, GAVE_UP)) {
            stop();
            actual.onError(source.acquireError(t));
        }
    }

    @Override
    public void onComplete() {
        // reactor-pool's borrower completes after its one slot, which onNext has taken care of
    }

    private void deliver(PooledRef<PoolEntry> ref) {
        if (!STATE.compareAndSet(this, RUNNING, DONE)) {
            source.giveBack(ref);
            return;
        }
        Disposable t = TIMER.getAndSet(this, Disposables.disposed());
        if (t != null) {
            t.dispose();
        }
        @SuppressWarnings("unchecked")
        T out = (T) source.handOut(ref, exclusive, source.nanoTime() - start);
        actual.onNext(out);
        actual.onComplete();
    }

    /** The slot's connection is not good: destroy it and try again, within the same deadline. */
    private void tryAnother(PooledRef<PoolEntry> ref) {
        source.discard(ref).subscribe(null, x -> { });
        attempt();
    }

    /** The outcome of the ping and the acquire hook for one slot. */
    private final class Verdict implements CoreSubscriber<Boolean> {
        private final PooledRef<PoolEntry> ref;

        Verdict(PooledRef<PoolEntry> ref) {
            this.ref = ref;
        }

        @Override
        public void onSubscribe(Subscription s) {
            Acquire.this.onSubscribe(s);
        }

        @Override
        public void onNext(Boolean ok) {
            if (!CHECKING.compareAndSet(Acquire.this, ref, null)) {
                return;
            }
            if (ok) {
                deliver(ref);
            } else {
                source.validationFailed();
                tryAnother(ref);
            }
        }

        @Override
        public void onError(Throwable t) {
            onNext(Boolean.FALSE);
        }

        @Override
        public void onComplete() {
            // approve() always emits one value
        }
    }
}
