package io.reactivewspool.internal.client;

import java.util.concurrent.atomic.AtomicInteger;

import io.reactivewspool.client.WsConnection;
import reactor.pool.PooledRef;

/**
 * What reactor-pool pools: a connection and the state the pool keeps for it. reactor-pool counts
 * a connection as acquired while a caller borrows it exclusively, while it carries request traffic
 * (a shared lease, held while {@code shares > 0}), and while it is parked in the {@link IdleLane}.
 */
final class PoolEntry {
    final WsConnection conn;
    /** Per-borrow inbound buffering, when the connection offers it. */
    final BorrowScope scope;
    /** When the connection is rotated out, lifetime jitter applied; Long.MAX_VALUE without a lifetime. */
    final long expiresAtNanos;
    /** Requests in flight through the shared lease; 0 when the connection is not leased for requests. */
    final AtomicInteger shares = new AtomicInteger();
    /** The shared lease's slot, set while {@code shares > 0}. */
    volatile PooledRef<PoolEntry> lease;
    volatile boolean unhealthy;
    volatile boolean draining;
    /** Given back at least once: a connection fresh from the allocator needs no ping. */
    volatile boolean released;
    /** When it was last given back, by the pool's clock; the idle time counts from here, parked or not. */
    volatile long releasedAtNanos;

    PoolEntry(WsConnection conn, long expiresAtNanos) {
        this.conn = conn;
        this.scope = conn instanceof BorrowScope b ? b : null;
        this.expiresAtNanos = expiresAtNanos;
    }

    boolean expired(long now) {
        return now - expiresAtNanos >= 0;
    }

    /** Never to be handed out again: destroy it. */
    boolean unusable(long now) {
        return unhealthy || !conn.isActive() || expired(now);
    }
}
