package io.reactivewspool.internal.client;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

import io.reactivewspool.WsConnectException;
import io.reactivewspool.client.WsClientPoolListener.ErrorCause;
import io.reactivewspool.client.WsClientPoolOptions;
import io.reactivewspool.client.WsConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.pool.PooledRefMetadata;

/**
 * How connections leave the pool: which ones reactor-pool evicts (unusable, over the size, idle
 * too long), the background health checks that mark them unhealthy, and the destroy that lets
 * requests in flight finish before it closes the connection.
 */
final class PoolEviction {

    /** The pool's log category: these are the pool's lifecycle lines. */
    private static final Logger LOG = LoggerFactory.getLogger(DefaultWsClientPool.class);
    private static final Duration DRAIN_POLL = Duration.ofMillis(50);

    private final WsClientPoolOptions options;
    private final String name;
    private final ResizableAllocationStrategy sizes;
    private final Scheduler scheduler;
    private final LongSupplier clock;
    private final BooleanSupplier closed;
    private final PoolAllocator allocator;
    private final PoolEvents events;
    /** Run after each destroy, once the permit is back. */
    private final Runnable replace;
    private final AtomicLong destroyed = new AtomicLong();

    PoolEviction(WsClientPoolOptions options, ResizableAllocationStrategy sizes, Scheduler scheduler, LongSupplier clock,
            BooleanSupplier closed, PoolAllocator allocator, PoolEvents events, Runnable replace) {
        this.options = options;
        this.name = options.name();
        this.sizes = sizes;
        this.scheduler = scheduler;
        this.clock = clock;
        this.closed = closed;
        this.allocator = allocator;
        this.events = events;
        this.replace = replace;
    }

    long destroyed() {
        return destroyed.get();
    }

    /** The idle time counts from the pool's own release time, so that time parked in the {@link IdleLane} counts too. */
    boolean shouldEvict(PoolEntry e, PooledRefMetadata meta) {
        long now = clock.getAsLong();
        if (e.unusable(now)) {
            return true;
        }
        int granted = sizes.permitGranted();
        if (granted > sizes.permitMaximum()) {
            return true;
        }
        Duration maxIdle = options.maxIdleTime();
        long idleNanos = e.released ? now - e.releasedAtNanos : TimeUnit.MILLISECONDS.toNanos(meta.idleTime());
        return !maxIdle.isZero() && granted > sizes.permitMinimum() && idleNanos >= maxIdle.toNanos();
    }

    /** reactor-pool's destroy handler: drains the requests in flight (up to the request timeout), then closes. */
    Mono<Void> destroy(PoolEntry e) {
        destroyed.incrementAndGet();
        WsConnection conn = e.conn;
        allocator.remove(e);
        // reactor-pool returned the permit before calling us: replace the connection while this one drains.
        replace.run();
        if (!conn.isActive()) {
            LOG.info("destroyed pool={} conn={} reason=closed", name, conn.id());
            return Mono.empty();
        }
        String reason = closed.getAsBoolean() ? "pool closed" : e.unhealthy ? "health check failed"
                : e.expired(clock.getAsLong()) ? "max lifetime" : "pool rotation";
        e.draining = true;
        LOG.info("destroying pool={} conn={} reason={} pending_requests={}", name, conn.id(), reason, conn.pendingRequests());
        Mono<Void> drained = conn.pendingRequests() == 0 || closed.getAsBoolean() ? Mono.empty()
                : Flux.interval(DRAIN_POLL, DRAIN_POLL, scheduler)
                        .filter(t -> conn.pendingRequests() == 0 || !conn.isActive())
                        .next()
                        .timeout(options.client().requestTimeout(), Mono.just(0L), scheduler)
                        .then();
        return drained.then(conn.close(1000, reason)).onErrorResume(x -> Mono.empty());
    }

    /** One round of health checks: every usable connection pinged, at most 16 at once. */
    Mono<Void> healthCheckAll() {
        return Flux.fromArray(allocator.entries())
                .filter(e -> !e.draining && !e.unhealthy && e.conn.isActive())
                .flatMap(e -> check(e).filter(ok -> !ok).doOnNext(failed -> events.error(ErrorCause.VALIDATION_FAILURE)), 16)
                .then();
    }

    /** A ping within the health-check timeout; a connection that fails it is marked unhealthy. */
    Mono<Boolean> check(PoolEntry e) {
        return e.conn.ping()
                .timeout(options.healthCheckTimeout(), scheduler)
                .map(rtt -> Boolean.TRUE)
                .onErrorResume(err -> {
                    e.unhealthy = true;
                    LOG.warn("health check failed pool={} conn={} error={}", name, e.conn.id(), WsConnectException.describe(err));
                    return Mono.just(Boolean.FALSE);
                });
    }
}
