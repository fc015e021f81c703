package io.reactivewspool.internal.server;

import java.util.concurrent.TimeUnit;

import io.reactivewspool.internal.LogLimiter;
import io.reactivewspool.message.WsCloseStatus;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.ConnectionState;
import io.reactivewspool.server.OutboundFrame;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.server.WsHubOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.scheduler.Scheduler;

/** What a connection, its session and the dispatcher see of the hub: {@link DefaultWsHub}'s {@link ConnectionHost}. */
final class HubHost implements ConnectionHost {

    private static final Logger log = LoggerFactory.getLogger(WsHub.class);

    private final DefaultWsHub hub;
    private final WsHubOptions options;
    private final HubCounters counters;
    private final LogLimiter errorLog;
    private final LogLimiter dropLog = new LogLimiter(10, TimeUnit.SECONDS);

    HubHost(DefaultWsHub hub, WsHubOptions options, HubCounters counters, LogLimiter errorLog) {
        this.hub = hub;
        this.options = options;
        this.counters = counters;
        this.errorLog = errorLog;
    }

    @Override
    public WsHubOptions options() {
        return options;
    }

    @Override
    public HubCounters counters() {
        return counters;
    }

    @Override
    public LogLimiter errorLog() {
        return errorLog;
    }

    @Override
    public long nowMillis() {
        return hub.timers().nowMillis();
    }

    @Override
    public Scheduler timerScheduler() {
        return hub.timers().scheduler();
    }

    @Override
    public OutboundFrame frameOf(WsMessage m) {
        return hub.delivery().frameOf(m);
    }

    @Override
    public OutboundFrame frameOf(WsMessage m, WsCodec codec) {
        return hub.delivery().frameOf(m, codec);
    }

    @Override
    public void onDropped(HubConnection c) {
        HubConnection.DROPPED.incrementAndGet(c);
        counters.dropped.increment();
        long skipped = dropLog.acquire();
        if (skipped >= 0) {
            log.warn("outbound queue full conn={} user={} policy={} queue={} dropped={} (similar lines suppressed={})",
                    c.id, c.userId, options.limits().overflowPolicy(), options.limits().outboundQueueSize(), c.dropped, skipped);
        }
    }

    @Override
    public void onSlowConsumer(HubConnection c) {
        if (c.state() == ConnectionState.OPEN) {
            log.info("slow consumer closed conn={} user={} code=4001 queue={}", c.id, c.userId, options.limits().outboundQueueSize());
            c.close(WsCloseStatus.SLOW_CONSUMER).subscribe();
        }
    }

    @Override
    public boolean unregister(HubConnection c, String why, WsCloseStatus ifOpen) {
        return hub.unregisterConnection(c, why, ifOpen);
    }
}
