package io.reactivewspool.metrics;

import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.reactivewspool.client.WsClientPool;
import io.reactivewspool.client.WsClientPoolMetrics;

/**
 * Micrometer meters of a {@link WsClientPool}, tagged {@code pool=NAME}:
 * {@code wspool.pool.connections{state=allocated|acquired|idle}}, {@code wspool.pool.pending},
 * {@code wspool.pool.acquire.time{stat=mean|max}} (time gauges), and the counters
 * {@code wspool.pool.acquires}, {@code wspool.pool.connections.created},
 * {@code wspool.pool.connections.destroyed} and {@code wspool.pool.connects.failed}.
 *
 * <pre>{@code
 * new ClientPoolMeterBinder(pool).bindTo(meterRegistry);
 * }</pre>
 */
public final class ClientPoolMeterBinder implements MeterBinder {

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
    }

    private void gauge(MeterRegistry registry, String name, Tags extra, ToDoubleFunction<WsClientPoolMetrics> f) {
        Gauge.builder(name, pool, p -> f.applyAsDouble(p.metrics())).tags(tags.and(extra)).register(registry);
    }

    private void counter(MeterRegistry registry, String name, ToDoubleFunction<WsClientPoolMetrics> f) {
        FunctionCounter.builder(name, pool, p -> f.applyAsDouble(p.metrics())).tags(tags).register(registry);
    }
}
