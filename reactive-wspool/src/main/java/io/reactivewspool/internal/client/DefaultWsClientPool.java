package io.reactivewspool.internal.client;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.Supplier;

import io.reactivewspool.WsConnectException;
import io.reactivewspool.WsPoolException;
import io.reactivewspool.client.PooledWsConnection;
import io.reactivewspool.client.ReuseOrder;
import io.reactivewspool.client.WsClientPool;
import io.reactivewspool.client.WsClientPoolListener;
import io.reactivewspool.client.WsClientPoolListener.ErrorCause;
import io.reactivewspool.client.WsClientPoolMetrics;
import io.reactivewspool.client.WsAcquireHook;
import io.reactivewspool.client.WsClientPoolOptions;
import io.reactivewspool.client.WsConnection;
import io.reactivewspool.client.WsReleaseHook;
import io.reactivewspool.internal.LogLimiter;
import io.reactivewspool.message.WsMessage;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.pool.InstrumentedPool;
import reactor.pool.PoolAcquirePendingLimitException;
import reactor.pool.PoolAcquireTimeoutException;
import reactor.pool.PoolBuilder;
import reactor.pool.PoolShutdownException;
import reactor.pool.PooledRef;
import reactor.pool.PooledRefMetadata;
import reactor.util.context.Context;
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
    private final InstrumentedPool<Entry> pool;
    /** Every connection the pool holds, for request routing and health checks: copied on write, read per request. */
    private final AtomicReference<Entry[]> entries = new AtomicReference<>(new Entry[0]);
    private final LogLimiter connectFailureLog = new LogLimiter(5, TimeUnit.SECONDS);
    private final AtomicBoolean disposed = new AtomicBoolean();
    private final AtomicBoolean toppingUp = new AtomicBoolean();
    private final Disposable.Composite tasks = Disposables.composite();
    private final Disposable.Swap topUpRetry = Disposables.swap();
    private final Mono<Void> disposeMono;

    private final AtomicLong created = new AtomicLong();
    private final AtomicLong destroyed = new AtomicLong();
    private final AtomicLong failedConnects = new AtomicLong();
    private final LongAdder acquires = new LongAdder();
    private final LongAdder acquireNanosTotal = new LongAdder();
    private final AtomicLong acquireNanosMax = new AtomicLong();
    private volatile Throwable lastConnectError;
    private final long validateAfterIdleNanos;
    private final Mono<PooledWsConnection> acquireMono = new AcquireMono();
    private final Function<Throwable, Mono<PooledWsConnection>> acquireErrorResume = e -> Mono.error(countedAcquireError(e));
    /** Listeners of raw samples (metrics) and the adaptive sizing controller, or null when it is off. */
    private final PoolEvents events;
    private final AdaptiveSizing adaptive;

    /** What reactor-pool pools: a connection and the state this pool keeps for it. */
    private static final class Entry {
        final WsConnection conn;
        volatile boolean unhealthy;
        volatile boolean draining;
        volatile boolean released;
        volatile long releasedAtNanos;

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
        this.validateAfterIdleNanos = options.validateAfterIdle().toNanos();
        this.sizes = new ResizableAllocationStrategy(options.minConnections(), options.maxConnections());
        this.events = new PoolEvents(name);

        PoolBuilder<Entry, ?> builder = PoolBuilder.from(allocator())
                .allocationStrategy(sizes)
                .maxPendingAcquire(options.maxPendingAcquires())
                .destroyHandler(this::destroy)
                .evictionPredicate(this::shouldEvict)
                .clock(realTime ? Clock.systemUTC() : new SchedulerClock(scheduler))
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
        this.adaptive = options.adaptiveSizing().map(spec -> new AdaptiveSizing(spec, name, options.minConnections(),
                options.maxConnections(), scheduler, this::gauge, this::applyTarget, events)).orElse(null);
        if (adaptive != null) {
            tasks.add(adaptive.start());
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

    private Mono<Entry> allocator() {
        Retry retry = Retry.backoff(options.connectMaxAttempts() - 1L, options.connectBackoffFirst())
                .maxBackoff(options.connectBackoffMax())
                .jitter(options.connectBackoffJitter())
                .scheduler(scheduler)
                .filter(e -> !disposed.get())
                .onRetryExhaustedThrow((spec, signal) -> new WsConnectException(options.client().url(),
                        (int) signal.totalRetries() + 1, rootCause(signal.failure())));
        return Mono.defer(this::connectOnce)
                .retryWhen(retry)
                .map(conn -> {
                    created.incrementAndGet();
                    Entry e = new Entry(conn);
                    addEntry(e);
                    conn.onClose().subscribe(status -> LOG.info("connection closed pool={} conn={} code={} reason={}",
                            name, conn.id(), status.code(), status.reason()));
                    LOG.info("connected pool={} conn={} url={}", name, conn.id(), url);
                    return e;
                });
    }

    private void addEntry(Entry e) {
        entries.updateAndGet(now -> {
            Entry[] next = Arrays.copyOf(now, now.length + 1);
            next[now.length] = e;
            return next;
        });
    }

    private void removeEntry(Entry e) {
        entries.updateAndGet(now -> Arrays.stream(now).filter(x -> x != e).toArray(Entry[]::new));
    }

    private Mono<WsConnection> connectOnce() {
        long start = nanoTime();
        return connector.get()
                .flatMap(conn -> options.connectHook().afterConnect(conn).thenReturn(conn)
                        .onErrorResume(e -> conn.close(1000, "connect hook failed").onErrorResume(x -> Mono.empty())
                                .then(Mono.error(e))))
                .doOnNext(conn -> events.connected(nanoTime() - start))
                .doOnError(e -> {
                    events.error(ErrorCause.CONNECT_FAILURE);
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

    private boolean shouldEvict(Entry e, PooledRefMetadata meta) {
        if (e.unhealthy || !e.conn.isActive()) {
            return true;
        }
        int granted = sizes.permitGranted();
        if (granted > sizes.permitMaximum()) {
            return true;
        }
        Duration maxIdle = options.maxIdleTime();
        return !maxIdle.isZero() && granted > sizes.permitMinimum() && meta.idleTime() >= maxIdle.toMillis();
    }

    private Mono<Void> destroy(Entry e) {
        destroyed.incrementAndGet();
        WsConnection conn = e.conn;
        removeEntry(e);
        // reactor-pool returned the permit before calling us: replace the connection while this one drains.
        if (!disposed.get()) {
            scheduler.schedule(this::ensureMin);
        }
        if (!conn.isActive()) {
            LOG.info("destroyed pool={} conn={} reason=closed", name, conn.id());
            return Mono.empty();
        }
        String reason = disposed.get() ? "pool closed" : e.unhealthy ? "health check failed" : "pool rotation";
        e.draining = true;
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
        return Flux.fromArray(entries.get())
                .filter(e -> !e.draining && !e.unhealthy && e.conn.isActive())
                .flatMap(e -> check(e).filter(ok -> !ok).doOnNext(failed -> events.error(ErrorCause.VALIDATION_FAILURE)), 16)
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
        return acquireMono;
    }

    /**
     * An acquire as one operator on its hot path: timed from subscription, a healthy and recently
     * used slot is handed out the moment reactor-pool delivers it. Everything else (a dead or
     * long-idle connection, an acquire hook, an error) goes on through {@link #validate}.
     */
    private final class AcquireMono extends Mono<PooledWsConnection> {
        @Override
        public void subscribe(CoreSubscriber<? super PooledWsConnection> actual) {
            long start = nanoTime();
            if (pool.metrics().idleSize() == 0) {
                // It may have to connect, which reactor-pool's own acquire timeout does not cover.
                acquireValid(start).timeout(options.acquireTimeout(), scheduler).onErrorResume(acquireErrorResume).subscribe(actual);
            } else {
                pool.acquire(options.acquireTimeout()).subscribe(new Acquirer(actual, start));
            }
        }
    }

    /** Subscribes to reactor-pool's borrower and then, only if the slot needs it, to its validation. */
    private final class Acquirer implements CoreSubscriber<PooledRef<Entry>>, Subscription {
        private static final AtomicReferenceFieldUpdater<Acquirer, Subscription> UPSTREAM =
                AtomicReferenceFieldUpdater.newUpdater(Acquirer.class, Subscription.class, "upstream");
        private final CoreSubscriber<? super PooledWsConnection> actual;
        private final long start;
        private volatile Subscription upstream;

        Acquirer(CoreSubscriber<? super PooledWsConnection> actual, long start) {
            this.actual = actual;
            this.start = start;
        }

        @Override
        public Context currentContext() {
            return actual.currentContext();
        }

        @Override
        public void onSubscribe(Subscription s) {
            if (Operators.setOnce(UPSTREAM, this, s)) {
                actual.onSubscribe(this);
            }
        }

        @Override
        public void onNext(PooledRef<Entry> ref) {
            Entry e = ref.poolable();
            if (readyAsIs(e, start)) {
                actual.onNext(handOut(ref, e, start));
                actual.onComplete();
                return;
            }
            validate(ref, start).onErrorResume(acquireErrorResume).subscribe(new Validation());
        }

        @Override
        public void onError(Throwable t) {
            actual.onError(countedAcquireError(t));
        }

        @Override
        public void onComplete() {
            // reactor-pool's borrower completes only after its one slot, which onNext has passed on
        }

        @Override
        public void request(long n) {
            upstream.request(n);
        }

        @Override
        public void cancel() {
            Operators.terminate(UPSTREAM, this);
        }

        /** The validation path's signals, passed on; a cancel reaches it through {@code upstream}. */
        private final class Validation implements CoreSubscriber<PooledWsConnection> {
            @Override
            public Context currentContext() {
                return actual.currentContext();
            }

            @Override
            public void onSubscribe(Subscription s) {
                if (Operators.replace(UPSTREAM, Acquirer.this, s)) {
                    s.request(Long.MAX_VALUE);
                }
            }

            @Override
            public void onNext(PooledWsConnection p) {
                actual.onNext(p);
            }

            @Override
            public void onError(Throwable t) {
                actual.onError(t);
            }

            @Override
            public void onComplete() {
                actual.onComplete();
            }
        }
    }

    private Mono<PooledWsConnection> acquireValid(long start) {
        return pool.acquire(options.acquireTimeout()).flatMap(ref -> validate(ref, start));
    }

    /** Hands the slot out if its connection is open, answers a ping when long idle and passes the acquire hook; else replaces it. */
    private Mono<PooledWsConnection> validate(PooledRef<Entry> ref, long start) {
        Entry e = ref.poolable();
        WsConnection conn = e.conn;
        if (readyAsIs(e, start)) {
            return Mono.just(handOut(ref, e, start));
        }
        if (e.unhealthy || !conn.isActive()) {
            return ref.invalidate().then(Mono.defer(() -> acquireValid(start)));
        }
        Mono<Boolean> alive = needsPing(e, start) ? check(e) : Mono.just(Boolean.TRUE);
        return alive.flatMap(ok -> ok ? options.acquireHook().beforeAcquire(conn).defaultIfEmpty(Boolean.FALSE) : Mono.just(Boolean.FALSE))
                .onErrorReturn(Boolean.FALSE)
                .doOnCancel(() -> ref.release().subscribe(null, x -> { }))
                .flatMap(ok -> ok ? Mono.just(handOut(ref, e, start)) : validationFailed(ref, start));
    }

    private Mono<PooledWsConnection> validationFailed(PooledRef<Entry> ref, long start) {
        events.error(ErrorCause.VALIDATION_FAILURE);
        return ref.invalidate().then(Mono.defer(() -> acquireValid(start)));
    }

    private PooledWsConnection handOut(PooledRef<Entry> ref, Entry e, long start) {
        recordAcquire(nanoTime() - start);
        return new Pooled(ref, e);
    }

    /** A healthy, open, recently used connection and no acquire hook: handed out without more checks. */
    private boolean readyAsIs(Entry e, long start) {
        return !e.unhealthy && e.conn.isActive() && !needsPing(e, start) && options.acquireHook() == WsAcquireHook.NONE;
    }

    /**
     * reactor-pool's idle time and release timestamp read 0 once the slot is acquired, so the
     * pool keeps its own release time; a connection fresh from the allocator needs no ping.
     */
    private boolean needsPing(Entry e, long now) {
        return e.released && now - e.releasedAtNanos >= validateAfterIdleNanos;
    }

    private Throwable countedAcquireError(Throwable e) {
        Throwable mapped = mapAcquireError(e);
        events.error(mapped);
        return mapped;
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
        events.acquired(nanos);
        if (adaptive != null) {
            adaptive.acquired(nanos);
        }
        acquires.increment();
        acquireNanosTotal.add(nanos);
        if (nanos > acquireNanosMax.get()) {
            acquireNanosMax.accumulateAndGet(nanos, Math::max);
        }
    }

    @Override
    public <T> Flux<T> withConnection(Function<? super WsConnection, ? extends Publisher<T>> work) {
        return Flux.usingWhen(acquire(), p -> work.apply(p.connection()), PooledWsConnection::release,
                (p, err) -> p.release(), PooledWsConnection::release);
    }

    /** A borrowed slot; gives it back once. */
    private final class Pooled implements PooledWsConnection, Supplier<Mono<Void>> {
        private static final AtomicIntegerFieldUpdater<Pooled> RETURNED = AtomicIntegerFieldUpdater.newUpdater(Pooled.class, "returned");
        private final PooledRef<Entry> ref;
        private final Entry entry;
        private volatile int returned;

        Pooled(PooledRef<Entry> ref, Entry entry) {
            this.ref = ref;
            this.entry = entry;
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
            if (!RETURNED.compareAndSet(this, 0, 1)) {
                return Mono.empty();
            }
            WsConnection conn = entry.conn;
            entry.releasedAtNanos = nanoTime();
            entry.released = true;
            if (!conn.isActive()) {
                return ref.invalidate();
            }
            if (options.releaseHook() == WsReleaseHook.NONE) {
                return ref.release();
            }
            return options.releaseHook().afterRelease(conn).defaultIfEmpty(Boolean.FALSE).onErrorReturn(Boolean.FALSE)
                    .flatMap(k -> k ? ref.release() : ref.invalidate());
        }

        @Override
        public Mono<Void> invalidate() {
            return Mono.defer(() -> RETURNED.compareAndSet(this, 0, 1) ? ref.invalidate() : Mono.empty());
        }

        @Override
        public String toString() {
            return "PooledWsConnection{pool=" + name + ", conn=" + entry.conn.id() + '}';
        }
    }

    // ---------------------------------------------------------------- requests

    @Override
    public Mono<WsMessage> request(WsMessage message) {
        return request(message, options.client().requestTimeout());
    }

    @Override
    public Mono<WsMessage> request(WsMessage message, Duration timeout) {
        return Mono.defer(() -> {
            long start = nanoTime();
            return requestAttempt(message, timeout, REQUEST_SEND_ATTEMPTS, null)
                    .doOnSuccess(reply -> recordRequest(nanoTime() - start))
                    .doOnError(events::error);
        });
    }

    private void recordRequest(long nanos) {
        events.requested(nanos);
        if (adaptive != null) {
            adaptive.requested(nanos);
        }
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
        for (Entry e : entries.get()) {
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
        LOG.info("pool resized pool={} min={} max={}", name, minConnections, maxConnections);
        if (adaptive != null) {
            adaptive.bounds(minConnections, maxConnections);
            return;
        }
        sizes.resize(minConnections, maxConnections);
        ensureMin();
    }

    /** Adaptive sizing's target is the pool's size: kept open, and never exceeded. */
    private void applyTarget(int target) {
        sizes.resize(target, target);
        ensureMin();
    }

    private AdaptiveSizing.Gauge gauge() {
        InstrumentedPool.PoolMetrics m = pool.metrics();
        return new AdaptiveSizing.Gauge(m.allocatedSize(), m.acquiredSize(), m.pendingAcquireSize());
    }

    @Override
    public Disposable addListener(WsClientPoolListener listener) {
        return events.add(Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public WsClientPoolMetrics metrics() {
        InstrumentedPool.PoolMetrics m = pool.metrics();
        long n = acquires.sum();
        return new WsClientPoolMetrics(m.allocatedSize(), m.acquiredSize(), m.idleSize(), m.pendingAcquireSize(),
                sizes.permitMinimum(), sizes.permitMaximum(), created.get(), destroyed.get(), failedConnects.get(), n,
                Duration.ofNanos(n == 0 ? 0 : acquireNanosTotal.sum() / n), Duration.ofNanos(acquireNanosMax.get()));
    }

    @Override
    public Mono<Void> disposeLater() {
        return disposeMono;
    }

    private Mono<Void> doDispose() {
        disposed.set(true);
        tasks.dispose();
        topUpRetry.dispose();
        Entry[] open = entries.get();
        LOG.info("pool closing pool={} connections={}", name, open.length);
        return pool.disposeLater()
                .then(Flux.fromArray(open).flatMap(e -> e.conn.close(1000, "pool closed").onErrorResume(x -> Mono.empty())).then())
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
