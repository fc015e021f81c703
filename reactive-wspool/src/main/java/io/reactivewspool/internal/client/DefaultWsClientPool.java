package io.reactivewspool.internal.client;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
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
import io.reactivewspool.message.WsMessage;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.pool.InstrumentedPool;
import reactor.pool.PoolAcquirePendingLimitException;
import reactor.pool.PoolAcquireTimeoutException;
import reactor.pool.PoolBuilder;
import reactor.pool.PoolShutdownException;
import reactor.pool.PooledRef;

/**
 * {@link WsClientPool} over a reactor-pool {@link InstrumentedPool}. reactor-pool does the
 * sizing, the pending queue and its bound, idle ordering, eviction (predicate, background sweep,
 * max lifetime with variance) and metrics; this class adds what it does not: the connect backoff
 * in the allocator, keeping the minimum after destroys, health-check pings, validation of
 * long-idle connections before hand-out, draining before a rotation closes a connection, an
 * overall acquire timeout that includes connecting ({@link Acquire}), a fast path for idle
 * connections and waiting acquires in front of reactor-pool ({@link IdleLane}), and request
 * multiplexing ({@link RequestLeases}).
 *
 * <p>Every timed task runs on one {@link Scheduler} ({@link WsClientPoolOptions#timerScheduler()});
 * tests inject a virtual-time one, whose clock the pool then reads, and a fake connector.
 */
public final class DefaultWsClientPool implements WsClientPool, SlotSource {

    private static final Logger LOG = LoggerFactory.getLogger(DefaultWsClientPool.class);

    private final WsClientPoolOptions options;
    private final String name;
    private final String url;
    private final Scheduler scheduler;
    /** The pool's clock reads System.nanoTime (a scheduler's now() has millisecond resolution), or a virtual scheduler in tests. */
    private final boolean realTime;
    private final ResizableAllocationStrategy sizes;
    private final InstrumentedPool<PoolEntry> pool;
    private final PoolAllocator allocator;
    private final AtomicBoolean disposed = new AtomicBoolean();
    private final AtomicBoolean toppingUp = new AtomicBoolean();
    private final Disposable.Composite tasks = Disposables.composite();
    private final Disposable.Swap topUpRetry = Disposables.swap();
    private final Mono<Void> disposeMono;

    private final PoolEviction eviction;
    private final LongAdder acquires = new LongAdder();
    private final LongAdder acquireNanosTotal = new LongAdder();
    private final AtomicLong acquireNanosMax = new AtomicLong();
    private final long validateAfterIdleNanos;
    private final long acquireTimeoutNanos;
    private final Mono<PooledWsConnection> acquireMono = Acquire.mono(this, true);
    private final IdleLane lane;
    private final RequestLeases leases;
    /** Listeners of raw samples (metrics) and the adaptive sizing controller, or null when it is off. */
    private final PoolEvents events;
    private final AdaptiveSizing adaptive;

    public DefaultWsClientPool(WsClientPoolOptions options) {
        this(options, connectorFor(options));
    }

    /** A pool with a given connector, on the options' timer scheduler and the system clock. */
    public DefaultWsClientPool(WsClientPoolOptions options, Supplier<Mono<WsConnection>> connector) {
        this(options, connector, options.timerScheduler(), true);
    }

    private static Supplier<Mono<WsConnection>> connectorFor(WsClientPoolOptions options) {
        NettyWsConnector c = new NettyWsConnector(options.client(), options.name());
        return c::connect;
    }

    /**
     * A pool with a given connector whose clock reads {@code scheduler} (tests: a fake connector
     * and a virtual-time scheduler, which replaces the options' timer scheduler).
     */
    public DefaultWsClientPool(WsClientPoolOptions options, Supplier<Mono<WsConnection>> connector, Scheduler scheduler) {
        this(options, connector, scheduler, false);
    }

    private DefaultWsClientPool(WsClientPoolOptions options, Supplier<Mono<WsConnection>> connector, Scheduler scheduler,
            boolean realTime) {
        this.options = options;
        this.name = options.name();
        this.url = options.client().safeUrl();
        this.scheduler = scheduler;
        this.realTime = realTime;
        this.validateAfterIdleNanos = options.validateAfterIdle().toNanos();
        this.acquireTimeoutNanos = options.acquireTimeout().toNanos();
        this.sizes = new ResizableAllocationStrategy(options.minConnections(), options.maxConnections());
        this.events = new PoolEvents(name);

        this.allocator = new PoolAllocator(options, connector, scheduler, this::nanoTime, disposed::get, events);
        this.eviction = new PoolEviction(options, sizes, scheduler, this::nanoTime, disposed::get, allocator, events, this::replace);
        PoolBuilder<PoolEntry, ?> builder = PoolBuilder.from(allocator.allocate())
                .allocationStrategy(sizes)
                .maxPendingAcquire(options.maxPendingAcquires())
                .destroyHandler(eviction::destroy)
                .evictionPredicate(eviction::shouldEvict)
                .clock(realTime ? Clock.systemUTC() : new SchedulerClock(scheduler))
                .pendingAcquireTimer((task, delay) -> scheduler.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS))
                .idleResourceReuseOrder(options.reuseOrder() == ReuseOrder.LEAST_RECENTLY_USED);
        Duration sweep = evictionInterval(options);
        builder = sweep.isZero() ? builder.evictInBackgroundDisabled() : builder.evictInBackground(sweep, scheduler);
        this.pool = builder.buildPool();
        this.lane = new IdleLane(options.reuseOrder() == ReuseOrder.MOST_RECENTLY_USED, options.maxPendingAcquires(), scheduler,
                this::nanoTime, this::poolServesNow, () -> pool.metrics().pendingAcquireSize() > 0);
        this.leases = new RequestLeases(name, options.maxRequestsPerConnection(), options.maxPendingAcquires(), allocator::entries,
                this, this::growthRoom, this::giveBack, disposed::get);
        // Parked connections go back to reactor-pool after a sweep interval unused, for its idle eviction and sizing.
        long parkedFor = sweep.toNanos();
        tasks.add(Flux.interval(sweep, sweep, scheduler).subscribe(t -> lane.returnParkedFor(parkedFor)));

        if (!options.healthCheckPeriod().isZero()) {
            tasks.add(Flux.interval(options.healthCheckPeriod(), options.healthCheckPeriod(), scheduler)
                    .onBackpressureDrop()
                    .concatMap(tick -> eviction.healthCheckAll(), 1)
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

    /** reactor-pool returned a destroyed connection's permit: keep the minimum, and let an acquire waiting in the lane use the room. */
    private void replace() {
        if (!disposed.get()) {
            scheduler.schedule(this::ensureMin);
            lane.balance();
        }
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
        lane.balance();
    }

    // ---------------------------------------------------------------- acquire

    @Override
    public Mono<PooledWsConnection> acquire() {
        return acquireMono;
    }

    @Override
    public Mono<Boolean> approve(PoolEntry e) {
        WsConnection conn = e.conn;
        Mono<Boolean> alive = needsPing(e, nanoTime()) ? eviction.check(e) : Mono.just(Boolean.TRUE);
        return alive.flatMap(ok -> ok ? options.acquireHook().beforeAcquire(conn).defaultIfEmpty(Boolean.FALSE) : Mono.just(Boolean.FALSE))
                .onErrorReturn(Boolean.FALSE);
    }

    @Override
    public Object handOut(PooledRef<PoolEntry> ref, boolean exclusive, long waitedNanos) {
        recordAcquire(waitedNanos);
        return exclusive ? new PooledConnection(this, ref, options.releaseHook(), name) : ref;
    }

    @Override
    public boolean readyAsIs(PoolEntry e, long start) {
        return !e.unusable(start) && !needsPing(e, start) && options.acquireHook() == WsAcquireHook.NONE;
    }

    @Override
    public void giveBack(PooledRef<PoolEntry> ref) {
        if (ref.poolable().unusable(nanoTime())) {
            discard(ref).subscribe(null, x -> { });
        } else {
            lane.giveBack(ref);
        }
    }

    @Override
    public Mono<Void> discard(PooledRef<PoolEntry> ref) {
        return ref.invalidate();
    }

    @Override
    public void validationFailed() {
        events.error(ErrorCause.VALIDATION_FAILURE);
    }

    @Override
    public boolean poolServesNow() {
        return disposed.get() || sizes.permitGranted() < sizes.permitMaximum() || pool.metrics().idleSize() > 0;
    }

    @Override
    public Mono<PooledRef<PoolEntry>> poolAcquire() {
        return pool.acquire();
    }

    @Override
    public IdleLane lane() {
        return lane;
    }

    @Override
    public Scheduler scheduler() {
        return scheduler;
    }

    @Override
    public long acquireTimeoutNanos() {
        return acquireTimeoutNanos;
    }

    /** How many new leases for requests would be served without waiting: idle connections, and room to open more. */
    private int growthRoom() {
        long room = (long) lane.idle() + Math.max(0, sizes.permitMaximum() - sizes.permitGranted()) + pool.metrics().idleSize();
        return (int) Math.min(Integer.MAX_VALUE, room);
    }

    /**
     * reactor-pool's idle time and release timestamp read 0 once the slot is acquired, so the
     * pool keeps its own release time; a connection fresh from the allocator needs no ping.
     */
    private boolean needsPing(PoolEntry e, long now) {
        return e.released && now - e.releasedAtNanos >= validateAfterIdleNanos;
    }

    /** Every failed acquire, exclusive or a lease for requests, is counted here and only here. */
    @Override
    public Throwable acquireError(Throwable e) {
        Throwable mapped = mapAcquireError(e);
        events.error(mapped);
        return mapped;
    }

    private Throwable mapAcquireError(Throwable e) {
        if (e instanceof TimeoutException || e instanceof PoolAcquireTimeoutException) {
            Throwable last = allocator.lastConnectError();
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

    @Override
    public Throwable pendingLimit() {
        return new PoolAcquirePendingLimitException(options.maxPendingAcquires());
    }

    private String state() {
        WsClientPoolMetrics m = metrics();
        return "size " + m.allocated() + "/" + sizes.permitMaximum() + ", idle " + m.idle() + ", pending "
                + m.pending() + "/" + options.maxPendingAcquires();
    }

    @Override
    public long nanoTime() {
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

    // ---------------------------------------------------------------- requests

    @Override
    public Mono<WsMessage> request(WsMessage message) {
        return request(message, options.client().requestTimeout());
    }

    @Override
    public Mono<WsMessage> request(WsMessage message, Duration timeout) {
        return Mono.defer(() -> {
            long start = nanoTime();
            return leases.request(message, timeout)
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
        WsClientPoolMetrics m = metrics();
        return new AdaptiveSizing.Gauge(m.allocated(), Math.max(0, m.acquired() - leases.leased()), m.pending());
    }

    @Override
    public Disposable addListener(WsClientPoolListener listener) {
        return events.add(Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public WsClientPoolMetrics metrics() {
        InstrumentedPool.PoolMetrics m = pool.metrics();
        long n = acquires.sum();
        // reactor-pool counts the lane's parked connections as acquired
        int parked = lane.idle();
        return new WsClientPoolMetrics(m.allocatedSize(), Math.max(0, m.acquiredSize() - parked), m.idleSize() + parked,
                m.pendingAcquireSize() + lane.waiting(),
                sizes.permitMinimum(), sizes.permitMaximum(), allocator.created(), eviction.destroyed(), allocator.failedConnects(), n,
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
        lane.close();
        PoolEntry[] open = allocator.entries();
        LOG.info("pool closing pool={} connections={}", name, open.length);
        return pool.disposeLater()
                .then(Flux.fromArray(open).flatMap(e -> e.conn.close(1000, "pool closed").onErrorResume(x -> Mono.empty())).then())
                .doOnTerminate(() -> LOG.info("pool closed pool={}", name));
    }

    @Override
    public String toString() {
        return "WsClientPool{name=" + name + ", url=" + url + ", " + state() + '}';
    }
}
