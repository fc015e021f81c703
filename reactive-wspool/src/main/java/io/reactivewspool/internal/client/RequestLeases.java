package io.reactivewspool.internal.client;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.reactivewspool.client.WsConnection;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.RequestNotSentException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.pool.PooledRef;

/**
 * Request routing. Requests share connections that the pool leases from itself: a leased
 * connection counts as acquired, so a borrower never gets it and it never carries a borrower's
 * traffic. A request joins the least loaded lease below maxRequestsPerConnection; when there is none
 * it takes a new lease (an idle connection, or a new one while below max), within the acquire
 * timeout. With every connection open and busy it joins the least loaded lease over the limit
 * instead of waiting. The last request out of a lease gives the connection back.
 */
final class RequestLeases {

    private static final Logger LOG = LoggerFactory.getLogger(RequestLeases.class);
    private static final int SEND_ATTEMPTS = 3;

    private final String name;
    private final int maxPerConnection;
    private final Supplier<PoolEntry[]> entries;
    private final Mono<PooledRef<PoolEntry>> newLease;
    /** Whether a new lease would be served without waiting: an idle connection, or room to open one. */
    private final BooleanSupplier canGrow;
    private final Consumer<PooledRef<PoolEntry>> giveBack;
    private final LongSupplier clock;
    private final BooleanSupplier closed;

    RequestLeases(String name, int maxPerConnection, Supplier<PoolEntry[]> entries, Mono<PooledRef<PoolEntry>> newLease,
            BooleanSupplier canGrow, Consumer<PooledRef<PoolEntry>> giveBack, LongSupplier clock, BooleanSupplier closed) {
        this.name = name;
        this.maxPerConnection = maxPerConnection;
        this.entries = entries;
        this.newLease = newLease;
        this.canGrow = canGrow;
        this.giveBack = giveBack;
        this.clock = clock;
        this.closed = closed;
    }

    Mono<WsMessage> request(WsMessage message, Duration timeout) {
        return attempt(message, timeout, SEND_ATTEMPTS, null);
    }

    private Mono<WsMessage> attempt(WsMessage message, Duration timeout, int attemptsLeft, WsConnection skip) {
        PoolEntry joined = join(skip);
        // The share is taken now: the request Mono subscribed right away gives it back on any end, cancel included.
        return joined != null ? requestOn(joined, message, timeout, attemptsLeft)
                : newLease.flatMap(ref -> requestOn(startLease(ref), message, timeout, attemptsLeft));
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
                    return attempt(message, timeout, attemptsLeft - 1, e.conn);
                });
    }

    /** Joins the least loaded usable lease below the limit; or, when the pool cannot grow now, the least loaded one at all; or none. */
    private PoolEntry join(WsConnection skip) {
        for (;;) {
            PoolEntry best = null;
            int bestLoad = Integer.MAX_VALUE;
            long now = clock.getAsLong();
            for (PoolEntry e : entries.get()) {
                int load = e.shares.get();
                if (load == 0 || load >= bestLoad || e.conn == skip || e.draining || e.unusable(now)) {
                    continue;
                }
                best = e;
                bestLoad = load;
            }
            if (best == null || bestLoad >= maxPerConnection && canGrow.getAsBoolean()) {
                return null;
            }
            // A lease whose count reached 0 is being given back: it cannot be joined, look again.
            if (best.shares.compareAndSet(bestLoad, bestLoad + 1)) {
                return best;
            }
        }
    }

    /** The slot is ours alone (reactor-pool counts it acquired), so nobody else touches its count yet. */
    private static PoolEntry startLease(PooledRef<PoolEntry> ref) {
        PoolEntry e = ref.poolable();
        e.lease = ref;
        e.shares.set(1);
        return e;
    }

    private void leave(PoolEntry e) {
        if (e.shares.decrementAndGet() == 0) {
            PooledRef<PoolEntry> ref = e.lease;
            e.lease = null;
            e.releasedAtNanos = clock.getAsLong();
            e.released = true;
            giveBack.accept(ref);
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
