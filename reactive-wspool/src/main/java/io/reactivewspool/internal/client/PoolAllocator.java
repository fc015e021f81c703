package io.reactivewspool.internal.client;

import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.reactivewspool.WsConnectException;
import io.reactivewspool.client.WsClientPoolListener.ErrorCause;
import io.reactivewspool.client.WsClientPoolOptions;
import io.reactivewspool.client.WsConnection;
import io.reactivewspool.internal.LogLimiter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.util.retry.Retry;

/**
 * Opens the pool's connections (connect, connect hook, retries with jittered backoff, a lifetime
 * per connection), counts and logs what failed, and keeps the list of every connection the pool
 * holds, for request routing, health checks and close.
 */
final class PoolAllocator {

    /** The pool's log category: these are the pool's lifecycle lines. */
    private static final Logger LOG = LoggerFactory.getLogger(DefaultWsClientPool.class);

    private final WsClientPoolOptions options;
    private final String name;
    private final String url;
    private final Supplier<Mono<WsConnection>> connector;
    private final Scheduler scheduler;
    private final LongSupplier clock;
    private final BooleanSupplier closed;
    private final PoolEvents events;
    /** Every connection the pool holds: copied on write, read per request. */
    private final AtomicReference<PoolEntry[]> entries = new AtomicReference<>(new PoolEntry[0]);
    private final LogLimiter connectFailureLog = new LogLimiter(5, TimeUnit.SECONDS);
    private final AtomicLong created = new AtomicLong();
    private final AtomicLong failedConnects = new AtomicLong();
    private volatile Throwable lastConnectError;

    PoolAllocator(WsClientPoolOptions options, Supplier<Mono<WsConnection>> connector, Scheduler scheduler, LongSupplier clock,
            BooleanSupplier closed, PoolEvents events) {
        this.options = options;
        this.name = options.name();
        this.url = options.client().safeUrl();
        this.connector = connector;
        this.scheduler = scheduler;
        this.clock = clock;
        this.closed = closed;
        this.events = events;
    }

    PoolEntry[] entries() {
        return entries.get();
    }

    long created() {
        return created.get();
    }

    long failedConnects() {
        return failedConnects.get();
    }

    /** The cause of the last failed connect, or null. */
    Throwable lastConnectError() {
        return lastConnectError;
    }

    /** reactor-pool's allocator: one connection, with the connect backoff, registered once open. */
    Mono<PoolEntry> allocate() {
        Retry retry = Retry.backoff(options.connectMaxAttempts() - 1L, options.connectBackoffFirst())
                .maxBackoff(options.connectBackoffMax())
                .jitter(options.connectBackoffJitter())
                .scheduler(scheduler)
                .filter(e -> !closed.getAsBoolean())
                .onRetryExhaustedThrow((spec, signal) -> new WsConnectException(options.client().url(),
                        (int) signal.totalRetries() + 1, rootCause(signal.failure())));
        return Mono.defer(this::connectOnce)
                .retryWhen(retry)
                .map(conn -> {
                    created.incrementAndGet();
                    PoolEntry e = new PoolEntry(conn, expiry());
                    if (e.scope != null) {
                        // Nobody holds a pooled connection until the pool hands it out.
                        e.scope.endBorrow();
                    }
                    add(e);
                    conn.onClose().subscribe(status -> LOG.info("connection closed pool={} conn={} code={} reason={}",
                            name, conn.id(), status.code(), status.reason()));
                    LOG.info("connected pool={} conn={} url={}", name, conn.id(), url);
                    return e;
                });
    }

    /**
     * The pool keeps each connection's lifetime itself (not reactor-pool's maxLifeTime), so that
     * request routing stops using a connection at the same moment eviction would take it.
     * Each lifetime is shortened by a random part of up to maxLifetimeJitter, so that connections
     * opened together are not all replaced together.
     */
    private long expiry() {
        long life = options.maxLifetime().toNanos();
        if (life == 0) {
            return Long.MAX_VALUE;
        }
        double jitter = options.maxLifetimeJitter() * ThreadLocalRandom.current().nextDouble();
        return clock.getAsLong() + (long) (life * (1.0 - jitter));
    }

    private void add(PoolEntry e) {
        entries.updateAndGet(now -> {
            PoolEntry[] next = Arrays.copyOf(now, now.length + 1);
            next[now.length] = e;
            return next;
        });
    }

    /** A destroyed connection leaves the list. */
    void remove(PoolEntry e) {
        entries.updateAndGet(now -> Arrays.stream(now).filter(x -> x != e).toArray(PoolEntry[]::new));
    }

    private Mono<WsConnection> connectOnce() {
        long start = clock.getAsLong();
        return connector.get()
                .flatMap(conn -> options.connectHook().afterConnect(conn).thenReturn(conn)
                        .onErrorResume(e -> conn.close(1000, "connect hook failed").onErrorResume(x -> Mono.empty())
                                .then(Mono.error(e))))
                .doOnNext(conn -> events.connected(clock.getAsLong() - start))
                .doOnError(e -> {
                    events.error(ErrorCause.CONNECT_FAILURE);
                    failedConnects.incrementAndGet();
                    lastConnectError = rootCause(e);
                    connectFailureLog.warn(LOG, "connect failed pool={} url={} error={}", name, url,
                            WsConnectException.describe(rootCause(e)));
                });
    }

    static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t instanceof WsConnectException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
