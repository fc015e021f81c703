package io.reactivewspool.internal.client;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;

import io.reactivewspool.WsConnectException;
import io.reactivewspool.WsPoolException;
import io.reactivewspool.client.PooledWsConnection;
import io.reactivewspool.client.ReuseOrder;
import io.reactivewspool.client.WsClientPool;
import io.reactivewspool.client.WsClientPoolMetrics;
import io.reactivewspool.client.WsAcquireHook;
import io.reactivewspool.client.WsClientPoolOptions;
import io.reactivewspool.client.WsConnection;
import io.reactivewspool.client.WsReleaseHook;
import io.reactivewspool.internal.LogLimiter;
import io.reactivewspool.message.WsMessage;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.pool.InstrumentedPool;
import reactor.pool.PoolAcquirePendingLimitException;
import reactor.pool.PoolAcquireTimeoutException;
import reactor.pool.PoolBuilder;
import reactor.pool.PoolShutdownException;
import reactor.pool.PooledRef;
import reactor.pool.PooledRefMetadata;
import reactor.util.retry.Retry;

/**
 * {@link WsClientPool} over a reactor-pool {@link InstrumentedPool}. reactor-pool does the
 * sizing, the pending queue and its bound, idle ordering, eviction (predicate, background sweep,
 * max lifetime with variance) and metrics; this class adds what it does not: the connect backoff
 * in the allocator, keeping the minimum after destroys, health-check pings, validation of
 * long-idle connections before hand-out, draining before a rotation closes a connection, an
 * overall acquire timeout that includes connecting, and request multiplexing.
 *
 * <p>Every timed task runs on one injectable {@link Scheduler} and the pool's clock reads it, so
 * tests drive the whole pool in virtual time with a fake connector.
 */
public final class DefaultWsClientPool implements WsClientPool {

    private static final Logger LOG = LoggerFactory.getLogger(DefaultWsClientPool.class);
    private static final Duration DRAIN_POLL = Duration.ofMillis(50);
    private static final int REQUEST_SEND_ATTEMPTS = 3;

    private final WsClientPoolOptions options;
    private final String name;
    private final String url;
    private final Supplier<Mono<WsConnection>> connector;
    private final Scheduler scheduler;
    private final boolean realTime;
    private final ResizableAllocationStrategy sizes;
    private final InstrumentedPool<WsConnection> pool;
    private final Map<WsConnection, Entry> entries = new ConcurrentHashMap<>();
    private final LogLimiter connectFailureLog = new LogLimiter(5, TimeUnit.SECONDS);
    private final AtomicBoolean disposed = new AtomicBoolean();
    private final AtomicBoolean toppingUp = new AtomicBoolean();
    private final Disposable.Composite tasks = Disposables.composite();
    private final Disposable.Swap topUpRetry = Disposables.swap();
    private final Mono<Void> disposeMono;

    private final AtomicLong created = new AtomicLong();
    private final AtomicLong destroyed = new AtomicLong();
    private final AtomicLong failedConnects = new AtomicLong();
    private final AtomicLong acquires = new AtomicLong();
    private final AtomicLong acquireNanosTotal = new AtomicLong();
    private final AtomicLong acquireNanosMax = new AtomicLong();
    private volatile Throwable lastConnectError;

    /** Per-connection state the pool keeps beside reactor-pool's slot. */
    private static final class Entry {
        final WsConnection conn;
        volatile boolean unhealthy;
        volatile boolean draining;
        volatile long releasedAtMillis = -1;

        Entry(WsConnection conn) {
            this.conn = conn;
        }
    }

    public DefaultWsClientPool(WsClientPoolOptions options) {
        this(options, connectorFor(options), Schedulers.parallel());
    }

    private static Supplier<Mono<WsConnection>> connectorFor(WsClientPoolOptions options) {
        NettyWsConnector c = new NettyWsConnector(options.client(), options.name());
        return c::connect;
    }

    /**
     * A pool with a given connector and scheduler (tests use a fake connector and a virtual-time
     * scheduler; the pool's clock reads the scheduler).
     */
    public DefaultWsClientPool(WsClientPoolOptions options, Supplier<Mono<WsConnection>> connector, Scheduler scheduler) {
        this.options = options;
        this.name = options.name();
        this.url = options.client().safeUrl();
        this.connector = connector;
        this.scheduler = scheduler;
        this.realTime = scheduler == Schedulers.parallel();
        this.sizes = new ResizableAllocationStrategy(options.minConnections(), options.maxConnections());

        PoolBuilder<WsConnection, ?> builder = PoolBuilder.from(allocator())
                .allocationStrategy(sizes)
                .maxPendingAcquire(options.maxPendingAcquires())
                .destroyHandler(this::destroy)
                .evictionPredicate(this::shouldEvict)
                .clock(new SchedulerClock(scheduler))
                .pendingAcquireTimer((task, delay) -> scheduler.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS))
                .idleResourceReuseOrder(options.reuseOrder() == ReuseOrder.LEAST_RECENTLY_USED);
        Duration sweep = evictionInterval(options);
        builder = sweep.isZero() ? builder.evictInBackgroundDisabled() : builder.evictInBackground(sweep, scheduler);
        if (!options.maxLifetime().isZero()) {
            builder = builder.maxLifeTime(options.maxLifetime()).maxLifeTimeVariance(options.maxLifetimeJitter() * 100.0);
        }
        this.pool = builder.buildPool();

        if (!options.healthCheckPeriod().isZero()) {
            tasks.add(Flux.interval(options.healthCheckPeriod(), options.healthCheckPeriod(), scheduler)
                    .onBackpressureDrop()
                    .concatMap(tick -> healthCheckAll(), 1)
                    .subscribe());
        }
        this.disposeMono = Mono.defer(this::doDispose).cache();
        LOG.info("pool started pool={} url={} min={} max={}", name, url, options.minConnections(), options.maxConnections());
        if (options.warmup()) {
            ensureMin();
        }
    }

    /** The background sweep runs often enough for the shortest timed feature, at most every second. */
    private static Duration evictionInterval(WsClientPoolOptions o) {
        Duration d = Duration.ofSeconds(1);
        for (Duration candidate : new Duration[] {o.healthCheckPeriod(), o.maxIdleTime(), o.maxLifetime()}) {
            if (!candidate.isZero() && candidate.compareTo(d) < 0) {
                d = candidate;
            }
        }
        return d.compareTo(Duration.ofMillis(10)) < 0 ? Duration.ofMillis(10) : d;
    }

    // ---------------------------------------------------------------- allocation

    private Mono<WsConnection> allocator() {
        Retry retry = Retry.backoff(options.connectMaxAttempts() - 1L, options.connectBackoffFirst())
                .maxBackoff(options.connectBackoffMax())
                .jitter(options.connectBackoffJitter())
                .scheduler(scheduler)
                .filter(e -> !disposed.get())
                .onRetryExhaustedThrow((spec, signal) -> new WsConnectException(options.client().url(),
                        (int) signal.totalRetries() + 1, rootCause(signal.failure())));
        return Mono.defer(this::connectOnce)
                .retryWhen(retry)
                .doOnNext(conn -> {
                    created.incrementAndGet();
                    Entry e = new Entry(conn);
                    entries.put(conn, e);
                    conn.onClose().subscribe(status -> LOG.info("connection closed pool={} conn={} code={} reason={}",
                            name, conn.id(), status.code(), status.reason()));
                    LOG.info("connected pool={} conn={} url={}", name, conn.id(), url);
                });
    }

    private Mono<WsConnection> connectOnce() {
        return connector.get()
                .flatMap(conn -> options.connectHook().afterConnect(conn).thenReturn(conn)
                        .onErrorResume(e -> conn.close(1000, "connect hook failed").onErrorResume(x -> Mono.empty())
                                .then(Mono.error(e))))
                .doOnError(e -> {
                    failedConnects.incrementAndGet();
                    lastConnectError = rootCause(e);
                    connectFailureLog.warn(LOG, "connect failed pool={} url={} error={}", name, url,
                            WsConnectException.describe(rootCause(e)));
                });
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t instanceof WsConnectException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** Opens connections one at a time until the pool holds its minimum; retries after the max backoff when a connect fails. */
    private void ensureMin() {
        if (disposed.get() || sizes.permitGranted() >= sizes.permitMinimum() || !toppingUp.compareAndSet(false, true)) {
            return;
        }
        pool.warmup().subscribe(
                n -> kickDrain(),
                e -> {
                    toppingUp.set(false);
                    if (!disposed.get()) {
                        topUpRetry.update(scheduler.schedule(this::ensureMin, options.connectBackoffMax().toNanos(), TimeUnit.NANOSECONDS));
                    }
                },
                () -> {
                    toppingUp.set(false);
                    ensureMin();
                });
    }

    /**
     * reactor-pool's warm-up puts the new connection in the idle queue without serving acquires
     * that were already pending. An acquire that is cancelled at once runs the pool's drain loop,
     * which hands the idle connection to the oldest pending borrower; if the probe itself gets a
     * connection, reactor-pool releases it back because the probe is cancelled.
     */
    private void kickDrain() {
        if (pool.metrics().pendingAcquireSize() > 0) {
            pool.acquire().subscribe(ref -> ref.release().subscribe(), e -> { }).dispose();
        }
    }

    // ---------------------------------------------------------------- eviction and destroy

    private boolean shouldEvict(WsConnection conn, PooledRefMetadata meta) {
        Entry e = entries.get(conn);
        if (!conn.isActive() || e == null || e.unhealthy) {
            return true;
        }
        int granted = sizes.permitGranted();
        if (granted > sizes.permitMaximum()) {
            return true;
        }
        Duration maxIdle = options.maxIdleTime();
        return !maxIdle.isZero() && meta.idleTime() >= maxIdle.toMillis() && granted > sizes.permitMinimum();
    }

    private Mono<Void> destroy(WsConnection conn) {
        destroyed.incrementAndGet();
        Entry e = entries.remove(conn);
        // reactor-pool returned the permit before calling us: replace the connection while this one drains.
        if (!disposed.get()) {
            scheduler.schedule(this::ensureMin);
        }
        if (!conn.isActive()) {
            LOG.info("destroyed pool={} conn={} reason=closed", name, conn.id());
            return Mono.empty();
        }
        String reason = disposed.get() ? "pool closed" : e != null && e.unhealthy ? "health check failed" : "pool rotation";
        if (e != null) {
            e.draining = true;
        }
        LOG.info("destroying pool={} conn={} reason={} pending_requests={}", name, conn.id(), reason, conn.pendingRequests());
        Mono<Void> drained = conn.pendingRequests() == 0 || disposed.get() ? Mono.empty()
                : Flux.interval(DRAIN_POLL, DRAIN_POLL, scheduler)
                        .filter(t -> conn.pendingRequests() == 0 || !conn.isActive())
                        .next()
                        .timeout(options.client().requestTimeout(), Mono.just(0L), scheduler)
                        .then();
        return drained.then(conn.close(1000, reason)).onErrorResume(x -> Mono.empty());
    }

    // ---------------------------------------------------------------- health checks

    private Mono<Void> healthCheckAll() {
        return Flux.fromIterable(new ArrayList<>(entries.values()))
                .filter(e -> !e.draining && !e.unhealthy && e.conn.isActive())
                .flatMap(this::check, 16)
                .then();
    }

    private Mono<Boolean> check(Entry e) {
        return e.conn.ping()
                .timeout(options.healthCheckTimeout(), scheduler)
                .map(rtt -> Boolean.TRUE)
                .onErrorResume(err -> {
                    e.unhealthy = true;
                    LOG.warn("health check failed pool={} conn={} error={}", name, e.conn.id(), WsConnectException.describe(err));
                    return Mono.just(Boolean.FALSE);
                });
    }

    // ---------------------------------------------------------------- acquire

    @Override
    public Mono<PooledWsConnection> acquire() {
        return Mono.defer(() -> {
            long start = nanoTime();
            Mono<PooledWsConnection> acquire = acquireValid(start);
            // With an idle connection at hand the acquire completes at once, and reactor-pool's own
            // pending timer covers a lost race; only an acquire that may have to connect pays for a
            // timer of its own (connecting is not covered by reactor-pool's acquire timeout).
            if (pool.metrics().idleSize() == 0) {
                acquire = acquire.timeout(options.acquireTimeout(), scheduler);
            }
            return acquire.onErrorMap(this::mapAcquireError);
        });
    }

    private Mono<PooledWsConnection> acquireValid(long start) {
        return pool.acquire(options.acquireTimeout()).flatMap(ref -> {
            WsConnection conn = ref.poolable();
            Entry e = entries.get(conn);
            if (!conn.isActive() || e == null || e.unhealthy) {
                return ref.invalidate().then(Mono.defer(() -> acquireValid(start)));
            }
            boolean ping = needsPing(e);
            if (!ping && options.acquireHook() == WsAcquireHook.NONE) {
                // the hot path: a healthy connection, recently used, no hook
                return Mono.just(handOut(ref, e, start));
            }
            Mono<Boolean> alive = ping ? check(e) : Mono.just(Boolean.TRUE);
            return alive.flatMap(ok -> ok ? options.acquireHook().beforeAcquire(conn).defaultIfEmpty(Boolean.FALSE) : Mono.just(Boolean.FALSE))
                    .onErrorReturn(Boolean.FALSE)
                    .doOnCancel(() -> ref.release().subscribe(null, x -> { }))
                    .flatMap(ok -> ok ? Mono.just(handOut(ref, e, start)) : ref.invalidate().then(Mono.defer(() -> acquireValid(start))));
        });
    }

    private PooledWsConnection handOut(PooledRef<WsConnection> ref, Entry e, long start) {
        recordAcquire(nanoTime() - start);
        return new Pooled(ref, e);
    }

    /**
     * reactor-pool's idle time and release timestamp read 0 once the slot is acquired, so the
     * pool keeps its own release time (-1: never released, fresh from the allocator).
     */
    private boolean needsPing(Entry e) {
        long released = e.releasedAtMillis;
        return released >= 0 && scheduler.now(TimeUnit.MILLISECONDS) - released >= options.validateAfterIdle().toMillis();
    }

    private Throwable mapAcquireError(Throwable e) {
        if (e instanceof TimeoutException || e instanceof PoolAcquireTimeoutException) {
            Throwable last = lastConnectError;
            return new WsPoolException(name, WsPoolException.Reason.ACQUIRE_TIMEOUT, "pool '" + name + "' (" + url
                    + ") acquire timed out after " + options.acquireTimeout().toMillis() + "ms (" + state() + ")"
                    + (last == null ? "" : ", last connect error: " + WsConnectException.describe(last)), last);
        }
        if (e instanceof PoolAcquirePendingLimitException) {
            return new WsPoolException(name, WsPoolException.Reason.PENDING_LIMIT, "pool '" + name
                    + "' refused the acquire at once: " + options.maxPendingAcquires() + " acquires are already waiting ("
                    + state() + "); raise maxPendingAcquires or maxConnections, or shed load", e);
        }
        if (e instanceof PoolShutdownException) {
            return new WsPoolException(name, WsPoolException.Reason.CLOSED, "pool '" + name + "' is closed", e);
        }
        return e;
    }

    private String state() {
        InstrumentedPool.PoolMetrics m = pool.metrics();
        return "size " + m.allocatedSize() + "/" + sizes.permitMaximum() + ", idle " + m.idleSize() + ", pending "
                + m.pendingAcquireSize() + "/" + options.maxPendingAcquires();
    }

    /** Real pools measure with nanoTime (a scheduler's now() has millisecond resolution); tests read their virtual clock. */
    private long nanoTime() {
        return realTime ? System.nanoTime() : scheduler.now(TimeUnit.NANOSECONDS);
    }

    private void recordAcquire(long nanos) {
        acquires.incrementAndGet();
        acquireNanosTotal.addAndGet(nanos);
        acquireNanosMax.accumulateAndGet(nanos, Math::max);
    }

    @Override
    public <T> Flux<T> withConnection(Function<? super WsConnection, ? extends Publisher<T>> work) {
        return Flux.usingWhen(acquire(), p -> work.apply(p.connection()), PooledWsConnection::release,
                (p, err) -> p.release(), PooledWsConnection::release);
    }

    /** A borrowed slot; gives it back once (the AtomicBoolean it extends says whether it was returned). */
    private final class Pooled extends AtomicBoolean implements PooledWsConnection {
        private static final long serialVersionUID = 1L;
        private final transient PooledRef<WsConnection> ref;
        private final transient Entry entry;

        Pooled(PooledRef<WsConnection> ref, Entry entry) {
            this.ref = ref;
            this.entry = entry;
        }

        @Override
        public WsConnection connection() {
            return ref.poolable();
        }

        @Override
        public Mono<Void> release() {
            return Mono.defer(() -> {
                if (!compareAndSet(false, true)) {
                    return Mono.empty();
                }
                WsConnection conn = ref.poolable();
                entry.releasedAtMillis = scheduler.now(TimeUnit.MILLISECONDS);
                if (!conn.isActive()) {
                    return ref.invalidate();
                }
                if (options.releaseHook() == WsReleaseHook.NONE) {
                    return ref.release();
                }
                return options.releaseHook().afterRelease(conn).defaultIfEmpty(Boolean.FALSE).onErrorReturn(Boolean.FALSE)
                        .flatMap(k -> k ? ref.release() : ref.invalidate());
            });
        }

        @Override
        public Mono<Void> invalidate() {
            return Mono.defer(() -> compareAndSet(false, true) ? ref.invalidate() : Mono.empty());
        }

        @Override
        public String toString() {
            return "PooledWsConnection{pool=" + name + ", conn=" + ref.poolable().id() + '}';
        }
    }

    // ---------------------------------------------------------------- requests

    @Override
    public Mono<WsMessage> request(WsMessage message) {
        return request(message, options.client().requestTimeout());
    }

    @Override
    public Mono<WsMessage> request(WsMessage message, Duration timeout) {
        return Mono.defer(() -> requestAttempt(message, timeout, REQUEST_SEND_ATTEMPTS, null));
    }

    private Mono<WsMessage> requestAttempt(WsMessage message, Duration timeout, int attemptsLeft, WsConnection skip) {
        WsConnection conn = leastLoaded(skip);
        Mono<WsConnection> target = conn != null ? Mono.just(conn)
                : acquire().flatMap(p -> p.release().thenReturn(p.connection()));
        return target.flatMap(c -> c.request(message, timeout)
                .onErrorResume(RequestNotSentException.class, e -> {
                    if (attemptsLeft <= 1 || disposed.get()) {
                        return Mono.error(e);
                    }
                    LOG.debug("request not sent, trying another connection pool={} conn={} error={}", name, c.id(), e.getMessage());
                    return requestAttempt(message, timeout, attemptsLeft - 1, c);
                }));
    }

    /** The open, healthy, not-draining connection with the fewest requests in flight. */
    private WsConnection leastLoaded(WsConnection skip) {
        WsConnection best = null;
        int bestLoad = Integer.MAX_VALUE;
        for (Entry e : entries.values()) {
            if (e.unhealthy || e.draining || e.conn == skip || !e.conn.isActive()) {
                continue;
            }
            int load = e.conn.pendingRequests();
            if (load < bestLoad) {
                best = e.conn;
                bestLoad = load;
                if (load == 0) {
                    break;
                }
            }
        }
        return best;
    }

    // ---------------------------------------------------------------- admin

    @Override
    public String name() {
        return name;
    }

    @Override
    public WsClientPoolOptions options() {
        return options;
    }

    @Override
    public void resize(int minConnections, int maxConnections) {
        if (minConnections < 0 || maxConnections < 1 || maxConnections > WsClientPoolOptions.MAX_CONNECTIONS_LIMIT
                || minConnections > maxConnections) {
            throw new IllegalArgumentException("resize needs 0 <= minConnections <= maxConnections <= "
                    + WsClientPoolOptions.MAX_CONNECTIONS_LIMIT + " and maxConnections >= 1, was min " + minConnections
                    + ", max " + maxConnections);
        }
        sizes.resize(minConnections, maxConnections);
        LOG.info("pool resized pool={} min={} max={}", name, minConnections, maxConnections);
        ensureMin();
    }

    @Override
    public WsClientPoolMetrics metrics() {
        InstrumentedPool.PoolMetrics m = pool.metrics();
        long n = acquires.get();
        return new WsClientPoolMetrics(m.allocatedSize(), m.acquiredSize(), m.idleSize(), m.pendingAcquireSize(),
                sizes.permitMinimum(), sizes.permitMaximum(), created.get(), destroyed.get(), failedConnects.get(), n,
                Duration.ofNanos(n == 0 ? 0 : acquireNanosTotal.get() / n), Duration.ofNanos(acquireNanosMax.get()));
    }

    @Override
    public Mono<Void> disposeLater() {
        return disposeMono;
    }

    private Mono<Void> doDispose() {
        disposed.set(true);
        tasks.dispose();
        topUpRetry.dispose();
        LOG.info("pool closing pool={} connections={}", name, entries.size());
        List<WsConnection> open = new ArrayList<>(entries.keySet());
        return pool.disposeLater()
                .then(Flux.fromIterable(open).flatMap(c -> c.close(1000, "pool closed").onErrorResume(x -> Mono.empty())).then())
                .doOnTerminate(() -> LOG.info("pool closed pool={}", name));
    }

    @Override
    public String toString() {
        return "WsClientPool{name=" + name + ", url=" + url + ", " + state() + '}';
    }

    /** A {@link Clock} that reads the pool's scheduler, so reactor-pool's idle and lifetime checks follow virtual time. */
    private static final class SchedulerClock extends Clock {
        private final Scheduler scheduler;

        SchedulerClock(Scheduler scheduler) {
            this.scheduler = scheduler;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public long millis() {
            return scheduler.now(TimeUnit.MILLISECONDS);
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis());
        }
    }
}
