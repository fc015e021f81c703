package io.reactivewspool.internal.client;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.pool.PooledRef;

/** What one {@link Acquire} needs from its pool: where slots come from, how they are judged, and where they go back. */
interface SlotSource {

    /** The pool's clock: nanoTime in real pools, the virtual clock in tests. */
    long nanoTime();

    long acquireTimeoutNanos();

    Scheduler scheduler();

    IdleLane lane();

    /** Whether reactor-pool would serve an acquire without waiting (room to open one, or one idle there), or the pool is closing. */
    boolean poolServesNow();

    /** reactor-pool's own acquire. */
    Mono<PooledRef<PoolEntry>> poolAcquire();

    /** Open, healthy, recently used and no acquire hook: handed out without more checks. */
    boolean readyAsIs(PoolEntry e, long start);

    /** Whether a long-idle connection, or one behind an acquire hook, may be handed out (a ping, the hook). */
    Mono<Boolean> approve(PoolEntry e);

    void validationFailed();

    /** A slot nobody takes now: parked, handed to a waiter, or destroyed when its connection is no good. */
    void giveBack(PooledRef<PoolEntry> ref);

    /** Destroys the slot's connection (reactor-pool gets the permit back); completes when it is closed. */
    Mono<Void> discard(PooledRef<PoolEntry> ref);

    /** The slot for the caller, the wait recorded: a borrowed connection, or the slot itself for a request lease. */
    Object handOut(PooledRef<PoolEntry> ref, boolean exclusive, long waitedNanos);

    /** The error the caller sees, counted once. */
    Throwable acquireError(Throwable e);

    /** The error for an acquire refused because too many wait. */
    Throwable pendingLimit();
}
