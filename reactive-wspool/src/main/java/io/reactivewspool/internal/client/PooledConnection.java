package io.reactivewspool.internal.client;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.Supplier;

import io.reactivewspool.client.PooledWsConnection;
import io.reactivewspool.client.WsConnection;
import io.reactivewspool.client.WsReleaseHook;
import reactor.core.publisher.Mono;
import reactor.pool.PooledRef;

/** A borrowed slot; gives it back once. */
final class PooledConnection implements PooledWsConnection, Supplier<Mono<Void>> {
    private static final AtomicIntegerFieldUpdater<PooledConnection> RETURNED =
            AtomicIntegerFieldUpdater.newUpdater(PooledConnection.class, "returned");
    private final SlotSource pool;
    private final PooledRef<PoolEntry> ref;
    private final PoolEntry entry;
    private final WsReleaseHook releaseHook;
    private final String poolName;
    private volatile int returned;

    PooledConnection(SlotSource pool, PooledRef<PoolEntry> ref, WsReleaseHook releaseHook, String poolName) {
        this.pool = pool;
        this.ref = ref;
        this.entry = ref.poolable();
        this.releaseHook = releaseHook;
        this.poolName = poolName;
        if (entry.scope != null) {
            entry.scope.beginBorrow();
        }
    }

    @Override
    public WsConnection connection() {
        return entry.conn;
    }

    @Override
    public Mono<Void> release() {
        return Mono.defer(this);
    }

    /** The release itself, run when {@link #release()} is subscribed. */
    @Override
    public Mono<Void> get() {
        if (!returnOnce()) {
            return Mono.empty();
        }
        entry.releasedAtNanos = pool.nanoTime();
        entry.released = true;
        if (releaseHook == WsReleaseHook.NONE || !entry.conn.isActive()) {
            pool.giveBack(ref);
            return Mono.empty();
        }
        return releaseHook.afterRelease(entry.conn).defaultIfEmpty(Boolean.FALSE).onErrorReturn(Boolean.FALSE)
                .flatMap(keep -> {
                    if (!keep) {
                        return pool.discard(ref);
                    }
                    pool.giveBack(ref);
                    return Mono.<Void>empty();
                });
    }

    @Override
    public Mono<Void> invalidate() {
        return Mono.defer(() -> returnOnce() ? pool.discard(ref) : Mono.empty());
    }

    private boolean returnOnce() {
        if (!RETURNED.compareAndSet(this, 0, 1)) {
            return false;
        }
        if (entry.scope != null) {
            entry.scope.endBorrow();
        }
        return true;
    }

    @Override
    public String toString() {
        return "PooledWsConnection{pool=" + poolName + ", conn=" + entry.conn.id() + '}';
    }
}
