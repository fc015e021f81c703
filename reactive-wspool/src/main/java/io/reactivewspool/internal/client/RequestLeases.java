package io.reactivewspool.internal.client;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

import io.reactivewspool.client.WsConnection;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.RequestNotSentException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.pool.PooledRef;

/**
 * Request routing. Requests share connections that the pool leases from itself: a leased
 * connection counts as acquired, so a borrower never gets it and it never carries a borrower's
 * traffic. A request joins the least loaded lease below maxRequestsPerConnection; when there is none
 * it takes a new lease (an idle connection, or a new one while below max), within the acquire
 * timeout. With every connection open and busy it joins the least loaded lease over the limit
 * instead of waiting. The last request out of a lease gives the connection back.
 *
 * <p>New leases are counted while they are acquired, and no more are asked for than the pool can
 * serve at once. A request that finds nothing to join while every connection the pool may open is
 * already on its way waits for the next change (a lease started or given back, an acquire ended)
 * and looks again, within its acquire deadline. Queued in reactor-pool instead, it would wait for a
 * lease to fall to zero requests, which never happens while callers keep joining it.
 */
final class RequestLeases {

    private static final Logger LOG = LoggerFactory.getLogger(RequestLeases.class);
    private static final int SEND_ATTEMPTS = 3;

    private final String name;
    private final int maxPerConnection;
    private final int maxWaiting;
    private final Supplier<PoolEntry[]> entries;
    private final SlotSource source;
    /** How many new leases the pool would serve without waiting: idle connections and room to open more. */
    private final IntSupplier growthRoom;
    private final Consumer<PooledRef<PoolEntry>> giveBack;
    private final BooleanSupplier closed;
    /** New leases being acquired now. */
    private final AtomicInteger growing = new AtomicInteger();
    /** Requests waiting for {@link #changed}. */
    private final AtomicInteger waiting = new AtomicInteger();
    /** Completes (and is replaced) at the next change a waiting request should look at. */
    private final AtomicReference<Sinks.Empty<Void>> changed = new AtomicReference<>(Sinks.empty());

    RequestLeases(String name, int maxPerConnection, int maxWaiting, Supplier<PoolEntry[]> entries, SlotSource source,
            IntSupplier growthRoom, Consumer<PooledRef<PoolEntry>> giveBack, BooleanSupplier closed) {
        this.name = name;
        this.maxPerConnection = maxPerConnection;
        this.maxWaiting = maxWaiting;
        this.entries = entries;
        this.source = source;
        this.growthRoom = growthRoom;
        this.giveBack = giveBack;
        this.closed = closed;
    }

    Mono<WsMessage> request(WsMessage message, Duration timeout) {
        return attempt(message, timeout, SEND_ATTEMPTS, null, source.nanoTime());
    }

    private Mono<WsMessage> attempt(WsMessage message, Duration timeout, int attemptsLeft, WsConnection skip, long start) {
        Mono<WsMessage> now = tryNow(message, timeout, attemptsLeft, skip, start);
        return now != null ? now : waitForChange(message, timeout, attemptsLeft, skip, start);
    }

    /** Joins a lease or takes a new one; {@code null} when neither can be had now. */
    private Mono<WsMessage> tryNow(WsMessage message, Duration timeout, int attemptsLeft, WsConnection skip, long start) {
        PoolEntry joined = join(skip);
        // The share is taken now: the request Mono subscribed right away gives it back on any end, cancel included.
        if (joined != null) {
            return requestOn(joined, message, timeout, attemptsLeft);
        }
        if (!reserveGrowth()) {
            return null;
        }
        return Acquire.<PooledRef<PoolEntry>>mono(source, false, start)
                .doFinally(s -> {
                    growing.decrementAndGet();
                    signalChange();
                })
                .flatMap(ref -> requestOn(startLease(ref), message, timeout, attemptsLeft));
    }

    /** One more new lease, unless those being acquired already take all the pool can serve (one may always queue). */
    private boolean reserveGrowth() {
        for (;;) {
            int g = growing.get();
            if (g > 0 && g >= growthRoom.getAsInt()) {
                return false;
            }
            if (growing.compareAndSet(g, g + 1)) {
                return true;
            }
        }
    }

    /** Waits for the next change, within what is left of the acquire deadline, then tries again. */
    private Mono<WsMessage> waitForChange(WsMessage message, Duration timeout, int attemptsLeft, WsConnection skip, long start) {
        long left = start + source.acquireTimeoutNanos() - source.nanoTime();
        if (left <= 0) {
            return Mono.error(source.acquireError(new TimeoutException("no lease to join within the acquire timeout")));
        }
        if (waiting.incrementAndGet() > maxWaiting) {
            waiting.decrementAndGet();
            return Mono.error(source.acquireError(source.pendingLimit()));
        }
        // Counted, then the signal read, then one more look: a change the look misses came after it,
        // saw the count (signalChange) and completes this signal.
        Sinks.Empty<Void> next = changed.get();
        Mono<WsMessage> now = tryNow(message, timeout, attemptsLeft, skip, start);
        if (now != null) {
            waiting.decrementAndGet();
            return now;
        }
        return next.asMono()
                .timeout(Duration.ofNanos(left), source.scheduler())
                .onErrorMap(TimeoutException.class, source::acquireError)
                .doFinally(s -> waiting.decrementAndGet())
                .then(Mono.defer(() -> attempt(message, timeout, attemptsLeft, skip, start)));
    }

    private void signalChange() {
        if (waiting.get() > 0) {
            changed.getAndSet(Sinks.empty()).tryEmitEmpty();
        }
    }

    private Mono<WsMessage> requestOn(PoolEntry e, WsMessage message, Duration timeout, int attemptsLeft) {
        return e.conn.request(message, timeout)
                .doFinally(s -> leave(e))
                .onErrorResume(RequestNotSentException.class, err -> {
                    // A connection that cannot write is done for: no request joins it again, and its lease destroys it.
                    e.unhealthy = true;
                    if (attemptsLeft <= 1 || closed.getAsBoolean()) {
                        return Mono.error(err);
                    }
                    LOG.debug("request not sent, trying another connection pool={} conn={} error={}", name, e.conn.id(), err.getMessage());
                    return attempt(message, timeout, attemptsLeft - 1, e.conn, source.nanoTime());
                });
    }

    /** Joins the least loaded usable lease below the limit; or, when the pool cannot grow now, the least loaded one at all; or none. */
    private PoolEntry join(WsConnection skip) {
        for (;;) {
            PoolEntry best = null;
            int bestLoad = Integer.MAX_VALUE;
            long now = source.nanoTime();
            for (PoolEntry e : entries.get()) {
                int load = e.shares.get();
                if (load == 0 || load >= bestLoad || e.conn == skip || e.draining || e.unusable(now)) {
                    continue;
                }
                best = e;
                bestLoad = load;
            }
            if (best == null || bestLoad >= maxPerConnection && growing.get() < growthRoom.getAsInt()) {
                return null;
            }
            // A lease whose count reached 0 is being given back: it cannot be joined, look again.
            if (best.shares.compareAndSet(bestLoad, bestLoad + 1)) {
                return best;
            }
        }
    }

    /** The slot is ours alone (reactor-pool counts it acquired), so nobody else touches its count yet. */
    private PoolEntry startLease(PooledRef<PoolEntry> ref) {
        PoolEntry e = ref.poolable();
        e.lease = ref;
        e.shares.set(1);
        signalChange();
        return e;
    }

    private void leave(PoolEntry e) {
        if (e.shares.decrementAndGet() == 0) {
            PooledRef<PoolEntry> ref = e.lease;
            e.lease = null;
            e.releasedAtNanos = source.nanoTime();
            e.released = true;
            giveBack.accept(ref);
            signalChange();
        }
    }

    /** Connections leased for requests now. */
    int leased() {
        int n = 0;
        for (PoolEntry e : entries.get()) {
            if (e.shares.get() > 0) {
                n++;
            }
        }
        return n;
    }
}
