package io.reactivewspool.spring.internal;

import java.time.Duration;

import io.reactivewspool.server.WsHub;
import org.springframework.context.SmartLifecycle;

/**
 * Ties the hub to the application: mapped handler beans are resolved when the context starts,
 * and on shutdown the hub closes every connection with 1001 (in batches over the drain period)
 * before the web server stops, because this lifecycle's phase is above the web server's.
 */
public final class HubLifecycle implements SmartLifecycle {

    private final WsHub hub;
    private final MessageMappings mappings;
    private final Duration drainPeriod;
    private volatile boolean running;

    public HubLifecycle(WsHub hub, MessageMappings mappings, Duration drainPeriod) {
        this.hub = hub;
        this.mappings = mappings;
        this.drainPeriod = drainPeriod;
    }

    @Override
    public void start() {
        mappings.resolveBeans();
        running = true;
    }

    @Override
    public void stop() {
        // Called on the shutdown thread, never on an event loop: waiting here is what delays the web server's stop.
        hub.close().block(drainPeriod.plusSeconds(10));
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return DEFAULT_PHASE;
    }
}
