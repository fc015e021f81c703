package io.reactivewspool.internal.client;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntConsumer;
import java.util.function.Supplier;

import io.reactivewspool.client.AdaptiveSizingSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;

/**
 * The adaptive sizing controller of {@link AdaptiveSizingSpec}: samples the pool's load every
 * interval on the pool's scheduler, smooths it, and moves the target size within the bounds,
 * with a hysteresis band, cool-downs and step limits so that a steady load leaves it alone.
 * The pool feeds it acquire waits and request round trips, gives it a {@link Gauge} of its
 * state, and applies each new target.
 */
final class AdaptiveSizing implements Disposable {

    private static final Logger LOG = LoggerFactory.getLogger(AdaptiveSizing.class);
    private static final int MAX_REMEMBERED = 4_096;

    /** The pool's state at one instant. */
    record Gauge(int open, int borrowed, int pending) {
    }

    private record Load(long at, double load) {
    }

    private final AdaptiveSizingSpec spec;
    private final String pool;
    private final Scheduler scheduler;
    private final Supplier<Gauge> gauge;
    private final IntConsumer apply;
    private final PoolEvents events;
    private final long intervalNanos;

    private final LongAdder acquireWaitNanos = new LongAdder();
    private final LongAdder acquireCount = new LongAdder();
    private final LongAdder requestNanos = new LongAdder();
    private final AtomicLong changes = new AtomicLong();

    // Written by the ticks (serialised by Flux.interval) and by bounds(), under this object's monitor.
    private int min;
    private int max;
    private volatile int target;
    private boolean smoothed;
    private double load;
    private double utilisation;
    private double waitNanos;
    private long lastChangeNanos;
    /** The smoothed loads of the last shrinkCooldown: the pool shrinks only when the highest of them fits. */
    private final ArrayDeque<Load> recent = new ArrayDeque<>();
    private volatile Disposable ticks;
    private volatile boolean disposed;

    AdaptiveSizing(AdaptiveSizingSpec spec, String pool, int min, int max, Scheduler scheduler, Supplier<Gauge> gauge, IntConsumer apply,
                   PoolEvents events) {
        this.spec = spec;
        this.pool = pool;
        this.scheduler = scheduler;
        this.gauge = gauge;
        this.apply = apply;
        this.events = events;
        this.intervalNanos = spec.interval().toNanos();
        this.min = Math.max(1, min);
        this.max = max;
        this.target = this.min;
        this.lastChangeNanos = scheduler.now(TimeUnit.NANOSECONDS);
    }

    /** Applies the first target and starts sampling. */
    AdaptiveSizing start() {
        apply.accept(target);
        ticks = Flux.interval(spec.interval(), spec.interval(), scheduler)
                .onBackpressureDrop()
                .subscribe(t -> tick());
        return this;
    }

    /** Hook: an acquire handed out a connection after {@code nanos}. */
    void acquired(long nanos) {
        acquireWaitNanos.add(nanos);
        acquireCount.increment();
    }

    /** Hook: a {@code pool.request} completed after {@code nanos}. */
    void requested(long nanos) {
        requestNanos.add(nanos);
    }

    int target() {
        return target;
    }

    long changes() {
        return changes.get();
    }

    /** New bounds from a manual resize: the target is clamped into them at once. */
    void bounds(int newMin, int newMax) {
        int previous;
        int next;
        synchronized (this) {
            min = Math.max(1, newMin);
            max = newMax;
            previous = target;
            next = Math.max(min, Math.min(max, previous));
            target = next;
        }
        apply.accept(next);
        if (next != previous) {
            events.targetChanged(previous, next);
        }
    }

    void tick() {
        if (disposed) {
            return;
        }
        Gauge g = gauge.get();
        long waited = acquireWaitNanos.sumThenReset();
        long acquires = acquireCount.sumThenReset();
        long roundTrips = requestNanos.sumThenReset();
        int previous;
        int next;
        synchronized (this) {
            previous = target;
            next = decide(g, waited, acquires, roundTrips, scheduler.now(TimeUnit.NANOSECONDS));
            target = next;
        }
        if (next != previous) {
            changes.incrementAndGet();
            LOG.info("pool target changed pool={} from={} to={} load={} utilisation={} acquire_wait_ms={}", pool, previous, next,
                    String.format("%.2f", load), String.format("%.2f", utilisation), String.format("%.2f", waitNanos / 1e6));
            apply.accept(next);
            events.targetChanged(previous, next);
        }
    }

    /**
     * The load is the connections callers needed on average over the interval (Little's law: the
     * summed busy time divided by the interval). Borrowed connections are sampled; waiting callers
     * are their summed acquire wait or the waiters seen now, whichever is more; request round
     * trips count per requestsPerConnection.
     */
    private int decide(Gauge g, long waited, long acquires, long roundTrips, long now) {
        double waiting = Math.max(g.pending(), (double) waited / intervalNanos);
        double requestLoad = (double) roundTrips / intervalNanos / spec.requestsPerConnection();
        double sampleLoad = g.borrowed() + waiting + requestLoad;
        double sampleUtil = g.open() == 0 ? (sampleLoad > 0 ? 1.0 : 0.0) : Math.min(1.0, (g.borrowed() + requestLoad) / g.open());
        double sampleWait = acquires == 0 ? (g.pending() > 0 ? intervalNanos : 0.0) : (double) waited / acquires;
        if (!smoothed) {
            smoothed = true;
            load = sampleLoad;
            utilisation = sampleUtil;
            waitNanos = sampleWait;
        } else {
            double a = spec.smoothing();
            load = a * sampleLoad + (1 - a) * load;
            utilisation = a * sampleUtil + (1 - a) * utilisation;
            waitNanos = a * sampleWait + (1 - a) * waitNanos;
        }
        int current = target;
        int wanted = sizeFor(load);
        long sinceChange = now - lastChangeNanos;
        double peakLoad = remember(load, now);
        boolean pressed = utilisation >= spec.targetUtilisation() || waitNanos > spec.acquireWaitThreshold().toNanos();
        int next = current;
        if (wanted > current && pressed && sinceChange >= spec.growCooldown().toNanos()) {
            next = Math.min(wanted, current + spec.maxStepUp());
        } else if (current > min && peakLoad < current * spec.shrinkUtilisation()
                && waitNanos <= spec.acquireWaitThreshold().toNanos() && sinceChange >= spec.shrinkCooldown().toNanos()) {
            next = Math.max(sizeFor(peakLoad), current - spec.maxStepDown());
        }
        if (next != current) {
            lastChangeNanos = now;
        }
        return next;
    }

    /** The size that runs {@code load} at targetUtilisation, within the bounds. */
    private int sizeFor(double load) {
        return (int) Math.max(min, Math.min(max, Math.ceil(load / spec.targetUtilisation() - 1e-9)));
    }

    /** Records this tick's smoothed load and answers the highest of the last shrinkCooldown (this one included). */
    private double remember(double smoothedLoad, long now) {
        long horizon = now - spec.shrinkCooldown().toNanos();
        while (!recent.isEmpty() && (recent.peekFirst().at() < horizon || recent.size() >= MAX_REMEMBERED)) {
            recent.pollFirst();
        }
        recent.addLast(new Load(now, smoothedLoad));
        double peak = smoothedLoad;
        for (Load l : recent) {
            peak = Math.max(peak, l.load());
        }
        return peak;
    }

    @Override
    public void dispose() {
        disposed = true;
        Disposable d = ticks;
        if (d != null) {
            d.dispose();
        }
    }

    @Override
    public boolean isDisposed() {
        return disposed;
    }

    @Override
    public String toString() {
        return "AdaptiveSizing{pool=" + pool + ", target=" + target + ", changes=" + changes + ", interval="
                + Duration.ofNanos(intervalNanos) + '}';
    }
}
