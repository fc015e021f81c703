package io.reactivewspool.metrics;

import java.time.Duration;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.reactivewspool.server.HubAdmin;
import io.reactivewspool.server.HubStats;

/**
 * Micrometer meters of a hub, read from its {@link HubStats} (one snapshot shared by all meters
 * for up to a second, so a scrape costs one snapshot):
 *
 * <table>
 * <caption>Meters</caption>
 * <tr><th>name</th><th>type</th><th>what</th></tr>
 * <tr><td>wspool.hub.connections</td><td>gauge</td><td>open connections</td></tr>
 * <tr><td>wspool.hub.topics</td><td>gauge</td><td>topics with at least one subscriber</td></tr>
 * <tr><td>wspool.hub.users</td><td>gauge</td><td>distinct authenticated users connected</td></tr>
 * <tr><td>wspool.hub.messages{direction=received|sent}</td><td>counter</td><td>messages</td></tr>
 * <tr><td>wspool.hub.messages.dropped</td><td>counter</td><td>messages dropped by a full outbound queue</td></tr>
 * <tr><td>wspool.hub.messages.failed</td><td>counter</td><td>sends that failed</td></tr>
 * <tr><td>wspool.hub.connections.rejected</td><td>counter</td><td>upgrades refused (auth, origin, limit)</td></tr>
 * <tr><td>wspool.hub.cleanup.runs</td><td>counter</td><td>stale-connection sweeps</td></tr>
 * <tr><td>wspool.hub.cleanup.removed{reason=stale|failed|closed}</td><td>counter</td><td>connections removed by sweeps</td></tr>
 * <tr><td>wspool.hub.heartbeat.timeouts</td><td>counter</td><td>connections closed with 4000</td></tr>
 * </table>
 *
 * <pre>{@code
 * new HubMeterBinder(hub, "chat").bindTo(meterRegistry);
 * }</pre>
 */
public final class HubMeterBinder implements MeterBinder {

    private static final long SNAPSHOT_NANOS = Duration.ofSeconds(1).toNanos();

    private final HubAdmin hub;
    private final Tags tags;
    private volatile HubStats snapshot;
    private volatile long snapshotAt;

    /** Meters of {@code hub}, tagged {@code hub=name}. */
    public HubMeterBinder(HubAdmin hub, String name) {
        this.hub = hub;
        this.tags = Tags.of("hub", name);
    }

    private HubStats stats() {
        long now = System.nanoTime();
        HubStats s = snapshot;
        if (s == null || now - snapshotAt > SNAPSHOT_NANOS) {
            s = hub.stats();
            snapshot = s;
            snapshotAt = now;
        }
        return s;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        gauge(registry, "wspool.hub.connections", "open connections", Tags.empty(), s -> s.activeConnections());
        gauge(registry, "wspool.hub.topics", "topics with subscribers", Tags.empty(), s -> s.topicSubscribers().size());
        gauge(registry, "wspool.hub.users", "distinct users connected", Tags.empty(), s -> s.users());
        counter(registry, "wspool.hub.messages", "messages received", Tags.of("direction", "received"), s -> s.messagesReceived());
        counter(registry, "wspool.hub.messages", "messages sent", Tags.of("direction", "sent"), s -> s.messagesSent());
        counter(registry, "wspool.hub.messages.dropped", "messages dropped by a full outbound queue", Tags.empty(), s -> s.messagesDropped());
        counter(registry, "wspool.hub.messages.failed", "sends that failed", Tags.empty(), s -> s.messagesFailed());
        counter(registry, "wspool.hub.connections.rejected", "upgrades refused", Tags.empty(), s -> s.rejectedConnections());
        counter(registry, "wspool.hub.cleanup.runs", "stale-connection sweeps", Tags.empty(), s -> s.cleanupRuns());
        counter(registry, "wspool.hub.cleanup.removed", "removed as stale", Tags.of("reason", "stale"), s -> s.cleanupRemovedStale());
        counter(registry, "wspool.hub.cleanup.removed", "removed after failed sends", Tags.of("reason", "failed"), s -> s.cleanupRemovedFailed());
        counter(registry, "wspool.hub.cleanup.removed", "removed as closed", Tags.of("reason", "closed"), s -> s.cleanupRemovedClosed());
        counter(registry, "wspool.hub.heartbeat.timeouts", "connections closed with 4000", Tags.empty(), s -> s.heartbeatTimeouts());
    }

    private void gauge(MeterRegistry registry, String name, String description, Tags extra, ToDoubleFunction<HubStats> f) {
        Gauge.builder(name, this, b -> f.applyAsDouble(b.stats())).description(description).tags(tags.and(extra))
                .register(registry);
    }

    private void counter(MeterRegistry registry, String name, String description, Tags extra, ToDoubleFunction<HubStats> f) {
        FunctionCounter.builder(name, this, b -> f.applyAsDouble(b.stats())).description(description)
                .tags(tags.and(extra)).register(registry);
    }
}
