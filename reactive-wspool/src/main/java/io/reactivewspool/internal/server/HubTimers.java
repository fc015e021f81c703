package io.reactivewspool.internal.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.reactivewspool.message.WsCloseStatus;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.CleanupReport;
import io.reactivewspool.server.ConnectionState;
import io.reactivewspool.server.OutboundFrame;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.server.WsHubOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The hub's timed work, on one scheduler the hub owns (or is given): the heartbeat (ping, and
 * close after {@code connectionTimeout} of silence), the sweep that removes stale, failing and
 * closed connections, and the batched close of every connection when the hub closes.
 */
final class HubTimers {

    private static final Logger log = LoggerFactory.getLogger(WsHub.class);
    /** How long a CLOSING connection may stay registered before the sweep removes it. */
    private static final long CLOSING_GRACE_MILLIS = 10_000;

    private final WsHubOptions options;
    private final Scheduler scheduler;
    private final boolean ownsScheduler;
    private final ConnectionRegistry registry;
    private final ConnectionHost host;
    private final Disposable.Composite timers = Disposables.composite();

    HubTimers(WsHubOptions options, ConnectionRegistry registry, ConnectionHost host) {
        this.options = options;
        this.ownsScheduler = options.scheduler() == null;
        this.scheduler = ownsScheduler ? Schedulers.newSingle("wshub-timer-" + options.broker().nodeId(), true) : options.scheduler();
        this.registry = registry;
        this.host = host;
    }

    Scheduler scheduler() {
        return scheduler;
    }

    long nowMillis() {
        return scheduler.now(TimeUnit.MILLISECONDS);
    }

    /** Starts the heartbeat and the sweep. */
    void start() {
        Duration hb = options.heartbeat().interval();
        timers.add(Flux.interval(hb, hb, scheduler).subscribe(tick -> guarded("heartbeat", this::heartbeat),
                e -> log.error("heartbeat pipeline failed", e)));
        Duration ci = options.heartbeat().cleanupInterval();
        timers.add(Flux.interval(ci, ci, scheduler).subscribe(tick -> guarded("cleanup", this::sweep),
                e -> log.error("cleanup pipeline failed", e)));
    }

    /** Adds a pipeline to dispose with the timers. */
    void add(Disposable d) {
        timers.add(d);
    }

    /** One tick of a timed pipeline; a failing tick is logged and the pipeline keeps running. */
    static void guarded(String what, Runnable tick) {
        try {
            tick.run();
        } catch (RuntimeException e) {
            log.error("{} tick failed; the next tick runs as scheduled", what, e);
        }
    }

    private void heartbeat() {
        long now = nowMillis();
        long timeout = options.heartbeat().connectionTimeout().toMillis();
        // Encoded once per tick in each codec in use.
        CodecFrames heartbeatMessage = options.heartbeat().messages()
                ? new CodecFrames(options.codec(), host.frameOf(WsMessage.heartbeat()), null) : null;
        for (HubConnection c : registry.all()) {
            if (c.state() != ConnectionState.OPEN) {
                continue;
            }
            if (now - c.lastActivityMillis() > timeout) {
                host.counters().heartbeatTimeouts.increment();
                log.info("heartbeat timeout conn={} user={} idle_ms={} code=4000", c.id, c.userId, now - c.lastActivityMillis());
                c.close(WsCloseStatus.HEARTBEAT_TIMEOUT).subscribe();
                continue;
            }
            c.offer(OutboundFrame.ping());
            if (heartbeatMessage != null) {
                c.offer(heartbeatMessage.frameFor(c.codec));
            }
        }
    }

    CleanupReport sweep() {
        long now = nowMillis();
        long timeout = options.heartbeat().connectionTimeout().toMillis();
        int stale = 0;
        int failed = 0;
        int closed = 0;
        for (HubConnection c : registry.all()) {
            ConnectionState s = c.state();
            if (s == ConnectionState.OPEN && now - c.lastActivityMillis() > timeout) {
                c.close(WsCloseStatus.HEARTBEAT_TIMEOUT).subscribe();
                if (host.unregister(c, "cleanup_stale", WsCloseStatus.HEARTBEAT_TIMEOUT)) {
                    stale++;
                }
            } else if (c.failed >= options.limits().failedSendThreshold()) {
                WsCloseStatus tooManyFailed = WsCloseStatus.INTERNAL_ERROR.withReason("too many failed sends");
                c.close(tooManyFailed).subscribe();
                if (host.unregister(c, "cleanup_failed", tooManyFailed)) {
                    failed++;
                }
            } else if (s == ConnectionState.CLOSED
                    || (s == ConnectionState.CLOSING && now - c.closingSinceMillis > Math.min(CLOSING_GRACE_MILLIS, timeout))) {
                if (host.unregister(c, "cleanup_closed", WsCloseStatus.GOING_AWAY)) {
                    closed++;
                }
            }
        }
        HubCounters counters = host.counters();
        counters.cleanupRuns.increment();
        counters.removedStale.add(stale);
        counters.removedFailed.add(failed);
        counters.removedClosed.add(closed);
        CleanupReport report = new CleanupReport(stale, failed, closed, registry.size());
        if (report.removed() > 0) {
            log.info("cleanup removed stale={} failed={} closed={} remaining={}", stale, failed, closed, report.remaining());
        } else {
            log.debug("cleanup removed=0 remaining={}", report.remaining());
        }
        return report;
    }

    /**
     * Closes every connection with 1001 in batches spread over {@code closeDrainPeriod}; completes
     * once all are unregistered, or at the drain period plus 5 s, when the rest are dropped.
     */
    Mono<Void> closeConnections() {
        List<HubConnection> all = new ArrayList<>(registry.all());
        int batchSize = options.shutdown().batchSize();
        int batches = (all.size() + batchSize - 1) / batchSize;
        Duration spacing = batches <= 1 ? Duration.ZERO : options.shutdown().drainPeriod().dividedBy(batches);
        log.info("hub closing node={} connections={} batches={} drain_ms={}", options.broker().nodeId(), all.size(), batches,
                options.shutdown().drainPeriod().toMillis());
        Mono<Void> closeAll = Flux.range(0, batches)
                .concatMap(i -> {
                    List<HubConnection> batch = all.subList(i * batchSize, Math.min(all.size(), (i + 1) * batchSize));
                    Mono<Void> wait = i == 0 ? Mono.empty() : Mono.delay(spacing, scheduler).then();
                    // A batch starts its closes and does not wait for them: a close frame queued
                    // behind a slow reader must not delay the next batch (each transport drops
                    // its socket a grace period after its own close, so every socket is gone by
                    // the drain period plus that grace).
                    return wait.then(Mono.fromRunnable(() -> batch.forEach(c -> c.close(WsCloseStatus.GOING_AWAY).subscribe())));
                })
                .then();
        // The deadline is a task that is never cancelled: cancelling a scheduled task removes it
        // from the executor's queue under a lock, which can park an event loop.
        Mono<Void> allGone = Mono.defer(() -> {
            Sinks.Empty<Void> gone = Sinks.empty();
            long limit = options.shutdown().drainPeriod().plusSeconds(5).toMillis();
            scheduler.schedule(() -> {
                // Transports that never finished: drop them from the registry anyway.
                for (HubConnection c : all) {
                    host.unregister(c, "hub_closed", WsCloseStatus.GOING_AWAY);
                }
                gone.tryEmitEmpty();
            }, limit, TimeUnit.MILLISECONDS);
            Flux.fromIterable(all).flatMap(c -> c.terminated.asMono()).subscribe(null, e -> gone.tryEmitEmpty(), gone::tryEmitEmpty);
            return gone.asMono();
        });
        return closeAll.then(allGone);
    }

    /** Stops every timed pipeline. */
    void dispose() {
        timers.dispose();
    }

    /**
     * Runs the last steps of a close where they may block. With the hub's own scheduler they always
     * move to a thread that may block: they often start on an I/O thread (a Netty event loop, or the
     * broker client's) that {@link Schedulers#isInNonBlockingThread()} does not recognise. With an
     * injected scheduler (virtual time in tests) they run in place unless on a Reactor non-blocking thread.
     */
    Mono<Void> offNonBlockingThread(Mono<Void> work) {
        if (ownsScheduler) {
            return work.subscribeOn(Schedulers.boundedElastic());
        }
        return Mono.defer(() -> Schedulers.isInNonBlockingThread() ? work.subscribeOn(Schedulers.boundedElastic()) : work);
    }

    void disposeOwnScheduler() {
        if (ownsScheduler) {
            scheduler.dispose();
        }
    }
}
