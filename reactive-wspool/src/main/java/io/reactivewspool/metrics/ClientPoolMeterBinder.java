package io.reactivewspool.metrics;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.reactivewspool.client.WsClientPool;
import io.reactivewspool.client.WsClientPoolListener;
import io.reactivewspool.client.WsClientPoolListener.ErrorCause;
import io.reactivewspool.client.WsClientPoolMetrics;

/**
 * Micrometer meters of a {@link WsClientPool}, all tagged {@code pool=NAME}. Gauges and function
 * counters read {@link WsClientPool#metrics()}; timers and error counters are fed by a
 * {@link WsClientPoolListener} that {@link #bindTo} registers on the pool.
 *
 * <table>
 * <caption>Meters</caption>
 * <tr><th>name</th><th>type</th><th>what</th></tr>
 * <tr><td>wspool.pool.connections{state=allocated|acquired|idle}</td><td>gauge</td><td>connections</td></tr>
 * <tr><td>wspool.pool.pending</td><td>gauge</td><td>acquires waiting</td></tr>
 * <tr><td>wspool.pool.utilisation</td><td>gauge</td><td>acquired ÷ allocated, 0 to 1 (0 when none is open)</td></tr>
 * <tr><td>wspool.pool.size.max</td><td>gauge</td><td>the current maximum size (the adaptive target when adaptive sizing is on)</td></tr>
 * <tr><td>wspool.pool.acquire.time{stat=mean|max}</td><td>time gauge</td><td>mean and longest acquire since start</td></tr>
 * <tr><td>wspool.pool.connect.time</td><td>timer, p50/p95/p99 and histogram</td><td>time to open a connection</td></tr>
 * <tr><td>wspool.pool.acquire.wait</td><td>timer, p50/p95/p99 and histogram</td><td>time an acquire waited for its connection</td></tr>
 * <tr><td>wspool.pool.request.time</td><td>timer, p50/p95/p99 and histogram</td><td>round trip of {@code pool.request}</td></tr>
 * <tr><td>wspool.pool.errors{cause=connect_failure|acquire_timeout|pending_limit|request_timeout|connection_closed|validation_failure|other}</td>
 *     <td>counter</td><td>failures by cause</td></tr>
 * <tr><td>wspool.pool.size.changes</td><td>counter</td><td>adaptive target changes</td></tr>
 * <tr><td>wspool.pool.acquires, wspool.pool.connections.created, wspool.pool.connections.destroyed,
 *     wspool.pool.connects.failed</td><td>function counter</td><td>since the pool started</td></tr>
 * </table>
 *
 * <pre>{@code
 * new ClientPoolMeterBinder(pool).bindTo(meterRegistry);
 * }</pre>
 *
 * <p>Each {@code bindTo} registers one listener on the pool, for the pool's life.
 */
public final class ClientPoolMeterBinder implements MeterBinder {

    private static final double[] PERCENTILES = {0.5, 0.95, 0.99};

    private final WsClientPool pool;
    private final Tags tags;

    public ClientPoolMeterBinder(WsClientPool pool) {
        this.pool = pool;
        this.tags = Tags.of("pool", pool.name());
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        gauge(registry, "wspool.pool.connections", Tags.of("state", "allocated"), WsClientPoolMetrics::allocated);
        gauge(registry, "wspool.pool.connections", Tags.of("state", "acquired"), WsClientPoolMetrics::acquired);
        gauge(registry, "wspool.pool.connections", Tags.of("state", "idle"), WsClientPoolMetrics::idle);
        gauge(registry, "wspool.pool.pending", Tags.empty(), WsClientPoolMetrics::pending);
        gauge(registry, "wspool.pool.utilisation", Tags.empty(),
                m -> m.allocated() == 0 ? 0.0 : Math.min(1.0, (double) m.acquired() / m.allocated()));
        gauge(registry, "wspool.pool.size.max", Tags.empty(), WsClientPoolMetrics::maxConnections);
        TimeGauge.builder("wspool.pool.acquire.time", pool, TimeUnit.NANOSECONDS,
                        p -> p.metrics().acquireLatencyMean().toNanos())
                .tags(tags.and("stat", "mean")).description("mean time to acquire a connection").register(registry);
        TimeGauge.builder("wspool.pool.acquire.time", pool, TimeUnit.NANOSECONDS,
                        p -> p.metrics().acquireLatencyMax().toNanos())
                .tags(tags.and("stat", "max")).description("longest time to acquire a connection").register(registry);
        counter(registry, "wspool.pool.acquires", WsClientPoolMetrics::acquires);
        counter(registry, "wspool.pool.connections.created", WsClientPoolMetrics::created);
        counter(registry, "wspool.pool.connections.destroyed", WsClientPoolMetrics::destroyed);
        counter(registry, "wspool.pool.connects.failed", WsClientPoolMetrics::failedConnects);
        pool.addListener(new Recorder(registry));
    }

    private Timer timer(MeterRegistry registry, String name, String description) {
        return Timer.builder(name).tags(tags).description(description)
                .publishPercentiles(PERCENTILES).publishPercentileHistogram().register(registry);
    }

    private void gauge(MeterRegistry registry, String name, Tags extra, ToDoubleFunction<WsClientPoolMetrics> f) {
        Gauge.builder(name, pool, p -> f.applyAsDouble(p.metrics())).tags(tags.and(extra)).register(registry);
    }

    private void counter(MeterRegistry registry, String name, ToDoubleFunction<WsClientPoolMetrics> f) {
        FunctionCounter.builder(name, pool, p -> f.applyAsDouble(p.metrics())).tags(tags).register(registry);
    }

    /** Turns the pool's raw samples into timers and counters. */
    private final class Recorder implements WsClientPoolListener {
        private final Timer connect;
        private final Timer acquire;
        private final Timer request;
        private final Map<ErrorCause, Counter> errors = new EnumMap<>(ErrorCause.class);
        private final Counter sizeChanges;

        Recorder(MeterRegistry registry) {
            connect = timer(registry, "wspool.pool.connect.time", "time to open a connection");
            acquire = timer(registry, "wspool.pool.acquire.wait", "time an acquire waited for its connection");
            request = timer(registry, "wspool.pool.request.time", "round trip of pool.request");
            for (ErrorCause cause : ErrorCause.values()) {
                errors.put(cause, Counter.builder("wspool.pool.errors").tags(tags.and("cause", cause.name().toLowerCase(Locale.ROOT)))
                        .description("failures by cause").register(registry));
            }
            sizeChanges = Counter.builder("wspool.pool.size.changes").tags(tags).description("adaptive target changes").register(registry);
        }

        @Override
        public void onConnect(Duration duration) {
            connect.record(duration);
        }

        @Override
        public void onAcquire(Duration wait) {
            acquire.record(wait);
        }

        @Override
        public void onRequest(Duration roundTrip) {
            request.record(roundTrip);
        }

        @Override
        public void onError(ErrorCause cause) {
            errors.get(cause).increment();
        }

        @Override
        public void onTargetChange(int previous, int target) {
            sizeChanges.increment();
        }
    }
}
