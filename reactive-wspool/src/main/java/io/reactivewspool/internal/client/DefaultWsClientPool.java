package io.reactivewspool.internal.client;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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
    private final long acquireTimeoutNanos;
    private final int maxRequestsPerConnection;
    private final Mono<PooledWsConnection> acquireMono = new AcquireMono<>(true);
    private final Mono<PooledRef<Entry>> leaseMono = new AcquireMono<>(false);
    /** Listeners of raw samples (metrics) and the adaptive sizing controller, or null when it is off. */
    private final PoolEvents events;
    private final AdaptiveSizing adaptive;

    /**
     * What reactor-pool pools: a connection and the state this pool keeps for it. reactor-pool
     * counts a connection as acquired while a caller borrows it exclusively ({@link Pooled}) and
     * while it carries {@link #request} traffic (a shared lease, held while {@code shares > 0}).
     */
    private static final class Entry {
        final WsConnection conn;
        /** Per-borrow inbound buffering, when the connection offers it. */
        final BorrowScope scope;
        /** When the connection is rotated out, lifetime jitter applied; Long.MAX_VALUE without a lifetime. */
        final long expiresAtNanos;
        /** Requests in flight through the shared lease; 0 when the connection is not leased for requests. */
        final AtomicInteger shares = new AtomicInteger();
        /** The shared lease's slot, set while {@code shares > 0}. */
        volatile PooledRef<Entry> lease;
        volatile boolean unhealthy;
        volatile boolean draining;
        volatile boolean released;
        volatile long releasedAtNanos;

        Entry(WsConnection conn, long expiresAtNanos) {
            this.conn = conn;
            this.scope = conn instanceof BorrowScope b ? b : null;
            this.expiresAtNanos = expiresAtNanos;
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
        this.acquireTimeoutNanos = options.acquireTimeout().toNanos();
        this.maxRequestsPerConnection = options.maxRequestsPerConnection();
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
                    Entry e = new Entry(conn, expiry());
                    if (e.scope != null) {
                        // Nobody holds a pooled connection until the pool hands it out.
                        e.scope.endBorrow();
                    }
                    addEntry(e);
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
        return nanoTime() + (long) (life * (1.0 - jitter));
    }

    private boolean expired(Entry e, long now) {
        return now - e.expiresAtNanos >= 0;
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
        if (e.unhealthy || !e.conn.isActive() || expired(e, nanoTime())) {
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
        String reason = disposed.get() ? "pool closed" : e.unhealthy ? "health check failed"
                : expired(e, nanoTime()) ? "max lifetime" : "pool rotation";
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
     * An acquire as one operator: exclusive (a {@link Pooled} for a borrower) or a shared lease
     * for requests (the slot itself). Nothing happens until the subscriber requests.
     */
    private final class AcquireMono<T> extends Mono<T> {
        private final boolean exclusive;

        AcquireMono(boolean exclusive) {
            this.exclusive = exclusive;
        }

        @Override
        public void subscribe(CoreSubscriber<? super T> actual) {
            actual.onSubscribe(new Acquire<>(actual, exclusive, nanoTime()));
        }
    }

    /**
     * One acquire, under one deadline that covers all of it: waiting for a slot, connecting (with
     * its backoff), the ping of a long-idle connection, the acquire hook, and trying again after a
     * connection that failed them. This operator owns the deadline; reactor-pool's borrower has no
     * timer of its own, so no second timer can fire at another moment. The hand-over and the
     * deadline (or a cancel) race for {@link #state}: a slot that arrives after either lost it is
     * given back to the pool at once, never dropped.
     */
    private final class Acquire<T> implements CoreSubscriber<PooledRef<Entry>>, Subscription, Runnable {
        private static final int RUNNING = 0;
        private static final int DONE = 1;
        private static final int GAVE_UP = 2;
        @SuppressWarnings("rawtypes")
        private static final AtomicIntegerFieldUpdater<Acquire> STATE = AtomicIntegerFieldUpdater.newUpdater(Acquire.class, "state");
        @SuppressWarnings("rawtypes")
        private static final AtomicReferenceFieldUpdater<Acquire, Subscription> UPSTREAM =
                AtomicReferenceFieldUpdater.newUpdater(Acquire.class, Subscription.class, "upstream");
        @SuppressWarnings("rawtypes")
        private static final AtomicReferenceFieldUpdater<Acquire, PooledRef> CHECKING =
                AtomicReferenceFieldUpdater.newUpdater(Acquire.class, PooledRef.class, "checking");
        @SuppressWarnings("rawtypes")
        private static final AtomicReferenceFieldUpdater<Acquire, Disposable> TIMER =
                AtomicReferenceFieldUpdater.newUpdater(Acquire.class, Disposable.class, "timer");

        private final CoreSubscriber<? super T> actual;
        private final boolean exclusive;
        private final long start;
        private volatile int state;
        private volatile boolean started;
        /** reactor-pool's borrower of the current attempt, or the validation of its slot. */
        private volatile Subscription upstream;
        /** The slot being validated, owned by whoever clears this field first: the verdict, or a cancel. */
        private volatile PooledRef<Entry> checking;
        private volatile Disposable timer;

        Acquire(CoreSubscriber<? super T> actual, boolean exclusive, long start) {
            this.actual = actual;
            this.exclusive = exclusive;
            this.start = start;
        }

        @Override
        public Context currentContext() {
            return actual.currentContext();
        }

        @Override
        public void request(long n) {
            if (n <= 0 || started) {
                return;
            }
            started = true;
            pool.acquire().subscribe(this);
            if (state == RUNNING) {
                // Not served at once: arm the deadline, unless a slot arrived meanwhile.
                long left = acquireTimeoutNanos - (nanoTime() - start);
                Disposable t = scheduler.schedule(this, Math.max(0, left), TimeUnit.NANOSECONDS);
                if (!TIMER.compareAndSet(this, null, t) || state != RUNNING) {
                    t.dispose();
                }
            }
        }

        @Override
        public void cancel() {
            if (STATE.compareAndSet(this, RUNNING, GAVE_UP)) {
                stop();
            }
        }

        /** The deadline. */
        @Override
        public void run() {
            if (STATE.compareAndSet(this, RUNNING, GAVE_UP)) {
                stop();
                actual.onError(countedAcquireError(new TimeoutException()));
            }
        }

        private void stop() {
            Disposable t = TIMER.getAndSet(this, Disposables.disposed());
            if (t != null) {
                t.dispose();
            }
            Subscription s = UPSTREAM.getAndSet(this, Operators.cancelledSubscription());
            if (s != null) {
                s.cancel();
            }
            @SuppressWarnings("unchecked")
            PooledRef<Entry> ref = CHECKING.getAndSet(this, null);
            if (ref != null) {
                ref.release().subscribe(null, x -> { });
            }
        }

        @Override
        public void onSubscribe(Subscription s) {
            Subscription current = upstream;
            if (current == Operators.cancelledSubscription() || !UPSTREAM.compareAndSet(this, current, s)) {
                s.cancel();
                return;
            }
            s.request(Long.MAX_VALUE);
        }

        /** A slot from reactor-pool. */
        @Override
        public void onNext(PooledRef<Entry> ref) {
            if (state != RUNNING) {
                ref.release().subscribe(null, x -> { });
                return;
            }
            Entry e = ref.poolable();
            if (readyAsIs(e, start)) {
                deliver(ref);
            } else if (e.unhealthy || !e.conn.isActive()) {
                tryAnother(ref);
            } else {
                checking = ref;
                if (state != RUNNING) {
                    // gave up while we set it: whoever clears the field releases the slot
                    if (CHECKING.compareAndSet(this, ref, null)) {
                        ref.release().subscribe(null, x -> { });
                    }
                    return;
                }
                approve(e).subscribe(new Verdict(ref));
            }
        }

        @Override
        public void onError(Throwable t) {
            if (STATE.compareAndSet(this, RUNNING, GAVE_UP)) {
                stop();
                actual.onError(countedAcquireError(t));
            }
        }

        @Override
        public void onComplete() {
            // reactor-pool's borrower completes after its one slot, which onNext has taken care of
        }

        private void deliver(PooledRef<Entry> ref) {
            if (!STATE.compareAndSet(this, RUNNING, DONE)) {
                ref.release().subscribe(null, x -> { });
                return;
            }
            Disposable t = TIMER.getAndSet(this, Disposables.disposed());
            if (t != null) {
                t.dispose();
            }
            recordAcquire(nanoTime() - start);
            @SuppressWarnings("unchecked")
            T out = (T) (exclusive ? handOut(ref) : ref);
            actual.onNext(out);
            actual.onComplete();
        }

        /** The slot's connection is not good: destroy it and ask reactor-pool again, within the same deadline. */
        private void tryAnother(PooledRef<Entry> ref) {
            ref.invalidate().subscribe(null, x -> { });
            if (state == RUNNING) {
                pool.acquire().subscribe(this);
            }
        }

        /** The outcome of the ping and the acquire hook for one slot. */
        private final class Verdict implements CoreSubscriber<Boolean> {
            private final PooledRef<Entry> ref;

            Verdict(PooledRef<Entry> ref) {
                this.ref = ref;
            }

            @Override
            public void onSubscribe(Subscription s) {
                Acquire.this.onSubscribe(s);
            }

            @Override
            public void onNext(Boolean ok) {
                if (!CHECKING.compareAndSet(Acquire.this, ref, null)) {
                    return;
                }
                if (ok) {
                    deliver(ref);
                } else {
                    events.error(ErrorCause.VALIDATION_FAILURE);
                    tryAnother(ref);
                }
            }

            @Override
            public void onError(Throwable t) {
                onNext(Boolean.FALSE);
            }

            @Override
            public void onComplete() {
                // approve() always emits one value
            }
        }
    }

    /** Whether a connection that is open but long idle or behind an acquire hook may be handed out. */
    private Mono<Boolean> approve(Entry e) {
        WsConnection conn = e.conn;
        Mono<Boolean> alive = needsPing(e, nanoTime()) ? check(e) : Mono.just(Boolean.TRUE);
        return alive.flatMap(ok -> ok ? options.acquireHook().beforeAcquire(conn).defaultIfEmpty(Boolean.FALSE) : Mono.just(Boolean.FALSE))
                .onErrorReturn(Boolean.FALSE);
    }

    private PooledWsConnection handOut(PooledRef<Entry> ref) {
        Entry e = ref.poolable();
        if (e.scope != null) {
            e.scope.beginBorrow();
        }
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

    /** Every failed acquire, exclusive or a lease for requests, is counted here and only here. */
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
            if (entry.scope != null) {
                entry.scope.endBorrow();
            }
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
            return Mono.defer(() -> {
                if (!RETURNED.compareAndSet(this, 0, 1)) {
                    return Mono.empty();
                }
                if (entry.scope != null) {
                    entry.scope.endBorrow();
                }
                return ref.invalidate();
            });
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
                    .doOnError(this::requestFailed);
        });
    }

    private void recordRequest(long nanos) {
        events.requested(nanos);
        if (adaptive != null) {
            adaptive.requested(nanos);
        }
    }

    /** A lease that could not be had was counted by the acquire already. */
    private void requestFailed(Throwable e) {
        if (!(e instanceof WsPoolException)) {
            events.error(e);
        }
    }

    /**
     * Requests share connections that the pool leases from itself: a leased connection counts as
     * acquired, so a borrower never gets it and it never carries a borrower's traffic. A request
     * joins the least loaded lease below maxRequestsPerConnection; when there is none it takes a
     * new lease (an idle connection, or a new one while below max), within the acquire timeout.
     * With every connection open and busy it joins the least loaded lease over the limit instead
     * of waiting. The last request out of a lease gives the connection back.
     */
    private Mono<WsMessage> requestAttempt(WsMessage message, Duration timeout, int attemptsLeft, WsConnection skip) {
        Entry joined = join(skip);
        // The share is taken now: the request Mono subscribed right away gives it back on any end, cancel included.
        return joined != null ? requestOn(joined, message, timeout, attemptsLeft)
                : leaseMono.flatMap(ref -> requestOn(startLease(ref), message, timeout, attemptsLeft));
    }

    private Mono<WsMessage> requestOn(Entry e, WsMessage message, Duration timeout, int attemptsLeft) {
        return e.conn.request(message, timeout)
                .doFinally(s -> leave(e))
                .onErrorResume(RequestNotSentException.class, err -> {
                    // A connection that cannot write is done for: no request joins it again, and its lease destroys it.
                    e.unhealthy = true;
                    if (attemptsLeft <= 1 || disposed.get()) {
                        return Mono.error(err);
                    }
                    LOG.debug("request not sent, trying another connection pool={} conn={} error={}", name, e.conn.id(), err.getMessage());
                    return requestAttempt(message, timeout, attemptsLeft - 1, e.conn);
                });
    }

    /** Joins the least loaded usable lease below the limit; or, when the pool cannot grow now, the least loaded one at all; or none. */
    private Entry join(WsConnection skip) {
        for (;;) {
            Entry best = null;
            int bestLoad = Integer.MAX_VALUE;
            long now = nanoTime();
            for (Entry e : entries.get()) {
                int load = e.shares.get();
                if (load == 0 || load >= bestLoad || e.conn == skip || e.unhealthy || e.draining || expired(e, now)
                        || !e.conn.isActive()) {
                    continue;
                }
                best = e;
                bestLoad = load;
            }
            if (best == null || bestLoad >= maxRequestsPerConnection && canGrow()) {
                return null;
            }
            // A lease whose count reached 0 is being given back: it cannot be joined, look again.
            if (best.shares.compareAndSet(bestLoad, bestLoad + 1)) {
                return best;
            }
        }
    }

    /** Whether a new lease would be served without waiting: an idle connection, or room to open one. */
    private boolean canGrow() {
        return sizes.permitGranted() < sizes.permitMaximum() || pool.metrics().idleSize() > 0;
    }

    /** The slot is ours alone (reactor-pool counts it acquired), so nobody else touches its count yet. */
    private Entry startLease(PooledRef<Entry> ref) {
        Entry e = ref.poolable();
        e.lease = ref;
        e.shares.set(1);
        return e;
    }

    private void leave(Entry e) {
        if (e.shares.decrementAndGet() == 0) {
            PooledRef<Entry> ref = e.lease;
            e.lease = null;
            e.releasedAtNanos = nanoTime();
            e.released = true;
            if (e.conn.isActive()) {
                ref.release().subscribe(null, x -> { });
            } else {
                ref.invalidate().subscribe(null, x -> { });
            }
        }
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

    /**
     * The pool's state for adaptive sizing. reactor-pool counts a connection leased for requests
     * as acquired; those are left out of the borrowed ones because the controller measures request
     * load by the round trips themselves (a lease with one request in flight is not a busy connection).
     */
    private AdaptiveSizing.Gauge gauge() {
        InstrumentedPool.PoolMetrics m = pool.metrics();
        int leased = 0;
        for (Entry e : entries.get()) {
            if (e.shares.get() > 0) {
                leased++;
            }
        }
        return new AdaptiveSizing.Gauge(m.allocatedSize(), Math.max(0, m.acquiredSize() - leased), m.pendingAcquireSize());
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
