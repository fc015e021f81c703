package io.reactivewspool.internal.client;

import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.scheduler.Scheduler;
import reactor.pool.PooledRef;

/**
 * The pool's fast path, in front of reactor-pool. A connection given back while no acquire waits
 * is parked here with its slot (reactor-pool still counts it acquired) and handed to the next
 * acquire without reactor-pool's borrower, pending queue and release chain. An acquire that finds
 * nothing parked while reactor-pool could not serve it at once (every slot granted, none idle there)
 * waits here and gets the next connection given back. All waiters share one deadline timer, armed
 * for the earliest deadline and re-armed when it fires, instead of a scheduler task per acquire.
 *
 * <p>Races: a give-back parks and then looks for waiters; a waiter queues and then looks for
 * parked connections and room in reactor-pool ({@link #balance}). Both sides publish before they
 * look, so at least one of them sees the other and no waiter sleeps beside a parked connection or a
 * free slot. A slot leaves the lane exactly once: a deque poll or a queue poll/remove wins it.
 */
final class IdleLane {

    /** An acquire waiting in the lane. */
    interface Waiter {
        /** By the pool's clock. */
        long deadline();

        /** Takes the slot, or answers false when it gave up already (the caller still owns the slot). */
        boolean offer(PooledRef<PoolEntry> ref);

        /** Leaves the lane to acquire from reactor-pool, which can serve it now. */
        void promote();

        /** Its deadline passed while it waited here. */
        void expire();
    }

    private static final long NONE = Long.MAX_VALUE;

    private final ConcurrentLinkedDeque<PooledRef<PoolEntry>> idle = new ConcurrentLinkedDeque<>();
    private final AtomicInteger idleCount = new AtomicInteger();
    private final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();
    private final AtomicInteger waiting = new AtomicInteger();
    private final boolean mostRecentFirst;
    private final int maxWaiting;
    private final Scheduler scheduler;
    private final LongSupplier clock;
    /** Whether reactor-pool would serve an acquire without waiting. */
    private final BooleanSupplier roomInPool;
    /** Whether reactor-pool has borrowers of its own waiting. */
    private final BooleanSupplier pendingInPool;
    /** The deadline the shared timer is armed for, NONE when it is not. */
    private final AtomicLong armedFor = new AtomicLong(NONE);
    private final Disposable.Composite timers = Disposables.composite();
    private volatile boolean closed;

    IdleLane(boolean mostRecentFirst, int maxWaiting, Scheduler scheduler, LongSupplier clock, BooleanSupplier roomInPool,
            BooleanSupplier pendingInPool) {
        this.mostRecentFirst = mostRecentFirst;
        this.maxWaiting = maxWaiting;
        this.scheduler = scheduler;
        this.clock = clock;
        this.roomInPool = roomInPool;
        this.pendingInPool = pendingInPool;
    }

    /** Parked connections. */
    int idle() {
        return Math.max(0, idleCount.get());
    }

    /** Acquires waiting here. */
    int waiting() {
        return Math.max(0, waiting.get());
    }

    /** The next parked slot in the pool's reuse order, or null. */
    PooledRef<PoolEntry> poll() {
        PooledRef<PoolEntry> ref = idle.pollFirst();
        if (ref != null) {
            idleCount.decrementAndGet();
        }
        return ref;
    }

    private void park(PooledRef<PoolEntry> ref) {
        if (mostRecentFirst) {
            idle.offerFirst(ref);
        } else {
            idle.offerLast(ref);
        }
        idleCount.incrementAndGet();
    }

    /**
     * A connection given back in good shape: to the oldest waiter here, else to reactor-pool when
     * borrowers wait there, else parked.
     */
    void giveBack(PooledRef<PoolEntry> ref) {
        if (closed) {
            ref.release().subscribe(null, x -> { });
            return;
        }
        Waiter w;
        while ((w = pollWaiter()) != null) {
            if (w.offer(ref)) {
                return;
            }
        }
        if (pendingInPool.getAsBoolean()) {
            ref.release().subscribe(null, x -> { });
            return;
        }
        park(ref);
        balance();
        if (closed) {
            drain();
        }
    }

    /** Queues an acquire that nothing can serve now; false when {@code maxWaiting} wait already. */
    boolean enqueue(Waiter w) {
        if (waiting.incrementAndGet() > maxWaiting) {
            waiting.decrementAndGet();
            return false;
        }
        waiters.offer(w);
        arm(w.deadline());
        balance();
        if (closed) {
            drain();
        }
        return true;
    }

    /** A waiter that gave up (cancelled): out of the queue, so that it no longer counts. */
    void remove(Waiter w) {
        if (waiters.remove(w)) {
            waiting.decrementAndGet();
        }
    }

    private Waiter pollWaiter() {
        Waiter w = waiters.poll();
        if (w != null) {
            waiting.decrementAndGet();
        }
        return w;
    }

    /** Brings waiters together with what can serve them: a parked connection, or room in reactor-pool. */
    void balance() {
        while (!waiters.isEmpty()) {
            PooledRef<PoolEntry> ref = poll();
            if (ref != null) {
                Waiter w;
                boolean taken = false;
                while (!taken && (w = pollWaiter()) != null) {
                    taken = w.offer(ref);
                }
                if (!taken) {
                    park(ref);
                }
                continue;
            }
            if (!roomInPool.getAsBoolean()) {
                return;
            }
            Waiter w = pollWaiter();
            if (w == null) {
                return;
            }
            w.promote();
        }
    }

    /**
     * Gives the connections parked for at least {@code age} back to reactor-pool, where its idle
     * eviction and sizing apply to them; the most recently used stay parked.
     */
    void returnParkedFor(long ageNanos) {
        long now = clock.getAsLong();
        for (;;) {
            PooledRef<PoolEntry> ref = mostRecentFirst ? idle.pollLast() : idle.pollFirst();
            if (ref == null) {
                break;
            }
            idleCount.decrementAndGet();
            if (now - ref.poolable().releasedAtNanos < ageNanos) {
                if (mostRecentFirst) {
                    idle.offerLast(ref);
                } else {
                    idle.offerFirst(ref);
                }
                idleCount.incrementAndGet();
                break;
            }
            ref.release().subscribe(null, x -> { });
        }
        balance();
    }

    private void arm(long deadline) {
        for (;;) {
            long armed = armedFor.get();
            if (armed <= deadline) {
                return;
            }
            if (armedFor.compareAndSet(armed, deadline)) {
                // A timer armed for a later deadline stays: it fires, finds nothing due, and re-arms. Cheaper than cancelling.
                Disposable[] self = new Disposable[1];
                self[0] = scheduler.schedule(() -> {
                    if (self[0] != null) {
                        timers.remove(self[0]);
                    }
                    expireDue();
                }, Math.max(0, deadline - clock.getAsLong()), TimeUnit.NANOSECONDS);
                timers.add(self[0]);
                return;
            }
        }
    }

    /** Fails the waiters whose deadline passed, then arms the timer for the earliest one left. */
    private void expireDue() {
        armedFor.set(NONE);
        long now = clock.getAsLong();
        long next = NONE;
        for (Waiter w : waiters) {
            long d = w.deadline();
            if (d - now <= 0) {
                if (waiters.remove(w)) {
                    waiting.decrementAndGet();
                    w.expire();
                }
            } else if (d < next) {
                next = d;
            }
        }
        if (next != NONE) {
            arm(next);
        }
    }

    /** The pool closes: parked slots go back to reactor-pool (which destroys them) and waiters go there to be refused. */
    void close() {
        closed = true;
        timers.dispose();
        drain();
    }

    private void drain() {
        PooledRef<PoolEntry> ref;
        while ((ref = poll()) != null) {
            ref.release().subscribe(null, x -> { });
        }
        Waiter w;
        while ((w = pollWaiter()) != null) {
            w.promote();
        }
    }
}
