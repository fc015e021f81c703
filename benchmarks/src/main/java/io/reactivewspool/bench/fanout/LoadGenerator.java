package io.reactivewspool.bench.fanout;

import static io.reactivewspool.bench.fanout.FanoutResult.round;
import static io.reactivewspool.bench.fanout.ServerFigures.allocatedBytes;
import static io.reactivewspool.bench.fanout.ServerFigures.heapUsedAfterGc;
import static io.reactivewspool.bench.fanout.ServerFigures.observe;
import static io.reactivewspool.bench.fanout.ServerFigures.sumOf;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The fan-out load generator: a plain-Netty WebSocket client (no Reactor, to keep its own cost low) that
 * treats the server as a black box speaking docs/PROTOCOL.md.
 *
 * <p>It opens {@code subscribers} connections, bound round-robin to source addresses {@code 127.0.0.1} to
 * {@code 127.0.0.N} so that ephemeral ports do not run out, with at most {@code connect-concurrency}
 * handshakes in flight; each subscribes to one topic and the run waits until every one is
 * {@code subscribed}. Then {@code publishers} more connections publish
 * {@code {"p":I,"seq":N,"t":<System.nanoTime() at send>,"pad":"…"}} padded to {@code payload} bytes,
 * either as fast as allowed or at a fixed total {@code rate}. "As fast as allowed" means while the publisher
 * channel is writable and while fewer than {@code window} messages per publisher are outstanding, i.e. not
 * yet received (or seen to be skipped) by every reading subscriber; the window bounds the server's queues,
 * so saturation measures what a server sustains rather than how fast it drops. The window is an average
 * over subscribers (outstanding deliveries ≤ window × readers), and a publisher blocked for 200 ms sends one
 * message past it, so messages a server dropped for everyone cannot stall the run.
 *
 * <p>Subscribers do not parse deliveries as JSON: they find {@code "seq":}, {@code "p":} and {@code "t":}
 * by byte search. Latency (receipt minus {@code t}, same clock, same process) goes into an HdrHistogram
 * {@link Recorder}; each subscriber keeps the last sequence number seen per publisher, so a gap is loss and a
 * step back is reordering. After a warm-up, the measured window counts deliveries and latency and reads the
 * server's CPU time from {@code /proc}; a bounded drain then waits for the last messages before loss is
 * computed over the whole run (warm-up included). Subscribers chosen by {@code stop-reading-fraction} stop
 * reading before the first publish ({@code setAutoRead(false)}); they are excluded from the window, from loss
 * and from deliveries. In {@code idle} mode nothing is published: the server's heap (after a full GC) and RSS
 * are read before connecting and after {@code idle-wait}, and reported per connection.
 *
 * <p>Everything is bounded: connect, warm-up, window and drain each have a time limit. The connections are
 * {@link LoadSubscriber} and {@link LoadPublisher}; the settings are a {@link FanoutConfig}.
 *
 * <p>Example: {@code FanoutResult r = LoadGenerator.run(FanoutConfig.parse("--port=8080", "--subscribers=1000"));}
 */
public final class LoadGenerator {

    static final int PHASE_SETUP = 0;
    static final int PHASE_WARMUP = 1;
    static final int PHASE_MEASURE = 2;
    static final int PHASE_DRAIN = 3;
    static final int PHASE_DONE = 4;

    static final int MAX_FRAME = 65_536;

    // Package-private: the connections (LoadSubscriber, LoadPublisher) share this run's state.
    final FanoutConfig config;
    private final List<URI> uris;
    private final EventLoopGroup group;
    private final LoadSubscriber[] subs;
    final LoadPublisher[] pubs;
    private final AtomicInteger nextToConnect = new AtomicInteger();
    final AtomicInteger subscribedCount = new AtomicInteger();
    final AtomicInteger subscribeFailures = new AtomicInteger();
    final CountDownLatch subscribersSettled;
    final CountDownLatch publishersReady;
    /** Subscribers whose deliveries pace the publishers: subscribed, reading and still connected. */
    final AtomicInteger readers = new AtomicInteger();
    final AtomicInteger disconnected = new AtomicInteger();
    final LongAdder windowDeliveries = new LongAdder();
    final Recorder latency = new Recorder(3);
    private final List<Channel> channels = new ArrayList<>();
    volatile int phase = PHASE_SETUP;
    volatile String firstError;
    /** The size of a delivered data frame's payload, from the first one received. */
    volatile int dataFrameBytes;

    private LoadGenerator(FanoutConfig config, EventLoopGroup group) {
        this.config = config;
        this.group = group;
        this.uris = config.ports().stream().map(p -> URI.create("ws://" + config.host() + ":" + p + config.path())).toList();
        this.subs = new LoadSubscriber[config.subscribers()];
        this.pubs = new LoadPublisher[config.idle() ? 0 : config.publishers()];
        this.subscribersSettled = new CountDownLatch(config.subscribers());
        this.publishersReady = new CountDownLatch(pubs.length);
    }

    /** Runs one benchmark and returns its figures; the connections and threads are gone when it returns. */
    public static FanoutResult run(FanoutConfig config) throws InterruptedException {
        EventLoopGroup group = Transports.group(config.threads(), "loadgen");
        LoadGenerator generator = new LoadGenerator(config, group);
        try {
            return generator.execute();
        } finally {
            generator.closeAll();
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(15, TimeUnit.SECONDS);
        }
    }

    private FanoutResult execute() throws InterruptedException {
        FanoutResult result = new FanoutResult()
                .put("server", config.server()).put("scenario", config.scenario())
                .put("mode", config.idle() ? "idle" : config.rate() > 0 ? "rate" : "saturation")
                .put("transport", Transports.name())
                .put("serverProcesses", config.ports().size())
                .put("subscribersRequested", config.subscribers())
                .put("publishers", pubs.length).put("payloadBytes", config.payloadBytes())
                .put("targetRate", config.rate() > 0 ? config.rate() : null)
                .put("window", config.window());
        List<Long> pids = config.serverPids();
        boolean observed = !pids.isEmpty();
        if (config.idle()) {
            result.put("heapBeforeBytes", observed ? (long) sumOf(pids, ProcStats::heapUsedAfterGc) : null)
                    .put("rssBeforeBytes", observed ? (long) sumOf(pids, ProcStats::rssBytes) : null);
        }

        long connectStart = System.nanoTime();
        for (int i = 0; i < Math.min(config.connectConcurrency(), subs.length); i++) {
            connectNextSubscriber();
        }
        subscribersSettled.await(config.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
        int subscribed = subscribedCount.get();
        result.put("subscribed", subscribed)
                .put("subscribeFailures", config.subscribers() - subscribed)
                .put("connectSeconds", round((System.nanoTime() - connectStart) / 1e9, 2));

        if (config.idle()) {
            Thread.sleep(config.idleWait().toMillis());
            long heap0 = result.getLong("heapBeforeBytes");
            long rss0 = result.getLong("rssBeforeBytes");
            long heap1 = observed ? (long) sumOf(pids, ProcStats::heapUsedAfterGc) : -1;
            long rss1 = observed ? (long) sumOf(pids, ProcStats::rssBytes) : -1;
            result.put("heapAfterBytes", observed ? heap1 : null).put("rssAfterBytes", observed ? rss1 : null)
                    .put("heapPerConnectionBytes", heap0 > 0 && heap1 > 0 && subscribed > 0 ? (heap1 - heap0) / subscribed : null)
                    .put("rssPerConnectionBytes", rss0 > 0 && rss1 > 0 && subscribed > 0 ? (rss1 - rss0) / subscribed : null);
            phase = PHASE_DONE;
            return result;
        }

        int stopped = stopReaders();
        readers.set(countOnLoops(LoadSubscriber::counts));
        result.put("stoppedReaders", stopped);
        // Attached before the warm-up: starting the management agent in a server costs it a moment.
        List<ObservedJvm> jvms = observe(pids);
        long heapBeforePublish = config.heapCheck() ? heapUsedAfterGc(jvms) : -1;
        long heapAfterDrain = -1;
        try {
            for (int i = 0; i < pubs.length; i++) {
                pubs[i] = new LoadPublisher(this, i);
                connect(i, 0, pubs[i]);
            }
            if (!publishersReady.await(config.connectTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("publishers not connected within " + config.connectTimeout()
                        + (firstError == null ? "" : ": " + firstError));
            }
            measure(result, pids, jvms);
            // After the drain, stopped readers still connected: their queues are as full as they get.
            heapAfterDrain = config.heapCheck() ? heapUsedAfterGc(jvms) : -1;
        } finally {
            jvms.forEach(ObservedJvm::close);
        }
        if (config.heapCheck() && observed) {
            long frame = dataFrameBytes;
            result.put("heapBeforePublishBytes", heapBeforePublish >= 0 ? heapBeforePublish : null)
                    .put("heapAfterDrainBytes", heapAfterDrain >= 0 ? heapAfterDrain : null)
                    .put("deliveryFrameBytes", frame > 0 ? frame : null)
                    .put("queueBoundBytes", config.queueSize() > 0 && frame > 0 ? (long) config.queueSize() * frame * stopped : null);
        }
        return result;
    }

    /** Warm-up, measured window, drain; fills the throughput, CPU, allocation, latency and loss figures. */
    private void measure(FanoutResult result, List<Long> pids, List<ObservedJvm> jvms) throws InterruptedException {
        boolean observed = !pids.isEmpty();
        phase = PHASE_WARMUP;
        for (LoadPublisher p : pubs) {
            p.channel.eventLoop().execute(p::start);
        }
        Thread.sleep(config.warmup().toMillis());

        long published0 = publishedTotal();
        latency.reset();
        windowDeliveries.reset();
        double serverCpu0 = observed ? sumOf(pids, ProcStats::cpuSeconds) : -1;
        double brokerCpu0 = config.brokerPid() > 0 ? ProcStats.cpuSeconds(config.brokerPid()) : -1;
        long allocated0 = allocatedBytes(jvms);
        long self = ProcessHandle.current().pid();
        double selfCpu0 = ProcStats.cpuSeconds(self);
        double serverWait0 = observed ? sumOf(pids, ProcStats::runQueueWaitSeconds) : -1;
        double serverJit0 = observed ? sumOf(pids, pid -> ProcStats.threadCpuSeconds(pid, ProcStats::isJitThread)) : -1;
        double serverGc0 = observed ? sumOf(pids, pid -> ProcStats.threadCpuSeconds(pid, ProcStats::isGcThread)) : -1;
        double selfWait0 = ProcStats.runQueueWaitSeconds(self);
        long windowStart = System.nanoTime();
        phase = PHASE_MEASURE;
        Thread.sleep(config.duration().toMillis());
        phase = PHASE_DRAIN;
        double seconds = (System.nanoTime() - windowStart) / 1e9;
        long deliveries = windowDeliveries.sum();
        double serverCpu = serverCpu0 >= 0 ? sumOf(pids, ProcStats::cpuSeconds) - serverCpu0 : -1;
        double brokerCpu = brokerCpu0 >= 0 ? ProcStats.cpuSeconds(config.brokerPid()) - brokerCpu0 : -1;
        long allocated1 = allocatedBytes(jvms);
        double selfCpu = ProcStats.cpuSeconds(self) - selfCpu0;
        double serverWait = serverWait0 >= 0 ? sumOf(pids, ProcStats::runQueueWaitSeconds) - serverWait0 : -1;
        double serverJit = serverJit0 >= 0
                ? sumOf(pids, pid -> ProcStats.threadCpuSeconds(pid, ProcStats::isJitThread)) - serverJit0 : -1;
        double serverGc = serverGc0 >= 0
                ? sumOf(pids, pid -> ProcStats.threadCpuSeconds(pid, ProcStats::isGcThread)) - serverGc0 : -1;
        double selfWait = selfWait0 >= 0 ? ProcStats.runQueueWaitSeconds(self) - selfWait0 : -1;
        long publishedInWindow = publishedTotal() - published0;
        long allocated = allocated0 >= 0 && allocated1 >= 0 ? allocated1 - allocated0 : -1;
        Histogram h = latency.getIntervalHistogram();

        for (LoadPublisher p : pubs) {
            awaitOnLoop(p.channel.eventLoop(), p::stop);
        }
        long drainDeadline = System.nanoTime() + config.drain().toNanos();
        while (System.nanoTime() < drainDeadline && outstandingTotal() > 0) {
            Thread.sleep(10);
        }
        phase = PHASE_DONE;

        long[] loss = countLoss();
        long readersAtEnd = readers.get();
        result.put("windowSeconds", round(seconds, 3))
                .put("published", publishedTotal())
                .put("publishRate", round(publishedInWindow / seconds, 1))
                .put("deliveries", deliveries)
                .put("deliveriesPerSecond", round(deliveries / seconds, 1))
                .put("serverCpuSeconds", serverCpu >= 0 ? round(serverCpu, 3) : null)
                .put("serverCpuSecondsPerMillionDeliveries",
                        serverCpu >= 0 && deliveries > 0 ? round(serverCpu / (deliveries / 1e6), 4) : null)
                .put("deliveriesPerServerCpuSecond", serverCpu > 0 ? round(deliveries / serverCpu, 1) : null)
                .put("serverJitCpuSeconds", serverJit >= 0 ? round(serverJit, 3) : null)
                .put("serverGcCpuSeconds", serverGc >= 0 ? round(serverGc, 3) : null)
                .put("serverAllocatedBytes", allocated >= 0 ? allocated : null)
                .put("serverAllocatedBytesPerDelivery", allocated >= 0 && deliveries > 0 ? round((double) allocated / deliveries, 1) : null)
                .put("brokerCpuSeconds", brokerCpu >= 0 ? round(brokerCpu, 3) : null)
                .put("loadgenCpuShare", selfCpu >= 0 ? round(selfCpu / seconds, 3) : null)
                .put("serverRunQueueWaitShare", serverWait >= 0 ? round(serverWait / seconds, 3) : null)
                .put("loadgenRunQueueWaitShare", selfWait >= 0 ? round(selfWait / seconds, 3) : null)
                .put("latencyP50Us", micros(h, 50.0))
                .put("latencyP99Us", micros(h, 99.0))
                .put("latencyP999Us", micros(h, 99.9))
                .put("latencyMaxUs", h.getTotalCount() == 0 ? null : round(h.getMaxValue() / 1e3, 1))
                .put("latencySamples", h.getTotalCount())
                .put("expectedDeliveries", publishedTotal() * readersAtEnd)
                .put("lost", loss[0])
                .put("outOfOrder", loss[1])
                .put("unexpectedFrames", loss[2])
                .put("disconnected", disconnected.get())
                .put("publisherProbes", Arrays.stream(pubs).mapToLong(p -> p.probes).sum());
    }


    // ---------------------------------------------------------------- connections

    void connectNextSubscriber() {
        int i = nextToConnect.getAndIncrement();
        if (i < subs.length) {
            subs[i] = new LoadSubscriber(this, i);
            connect(i, i % uris.size(), subs[i]);
        }
    }

    /** Connects {@code handler} to the server process {@code server} (an index into the ports). */
    private void connect(int index, int server, LoadConnection handler) {
        ChannelFuture f = Transports.connectWebSocket(group, uris.get(server), config.host(), config.ports().get(server),
                config.sourceAddresses() > 1 ? "127.0.0." + (1 + index % config.sourceAddresses()) : null,
                config.connectTimeout(), MAX_FRAME, handler);
        synchronized (channels) {
            channels.add(f.channel());
        }
        f.addListener(done -> {
            if (!done.isSuccess()) {
                handler.failed("connect failed: " + done.cause());
            }
        });
    }

    private int countOnLoops(Predicate<LoadSubscriber> condition) throws InterruptedException {
        int total = 0;
        for (EventExecutor loop : group) {
            total += callOnLoop(loop, () -> {
                int n = 0;
                for (LoadSubscriber s : subs) {
                    if (s != null && s.channel != null && s.channel.eventLoop() == loop && condition.test(s)) {
                        n++;
                    }
                }
                return n;
            });
        }
        return total;
    }

    private int stopReaders() throws InterruptedException {
        int count = (int) Math.round(subs.length * config.stopReadingFraction());
        int stopped = 0;
        for (int k = 0; k < count; k++) {
            LoadSubscriber s = subs[(int) ((long) k * subs.length / count)];
            if (s.subscribed && s.channel.isActive()) {
                awaitOnLoop(s.channel.eventLoop(), () -> {
                    s.stopped = true;
                    s.channel.config().setAutoRead(false);
                });
                stopped++;
            }
        }
        return stopped;
    }

    private void closeAll() {
        List<ChannelFuture> closing = new ArrayList<>();
        synchronized (channels) {
            for (Channel ch : channels) {
                closing.add(ch.close());
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (ChannelFuture f : closing) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !f.awaitUninterruptibly(left, TimeUnit.NANOSECONDS)) {
                break;
            }
        }
    }

    // ---------------------------------------------------------------- accounting

    private long publishedTotal() {
        return Arrays.stream(pubs).mapToLong(p -> p.published).sum();
    }

    private long outstandingTotal() {
        return Arrays.stream(pubs).mapToLong(p -> Math.max(0, p.outstanding())).sum();
    }

    /**
     * {lost, outOfOrder, unexpectedFrames} over reading, still-connected subscribers, read on each
     * subscriber's own loop.
     */
    private long[] countLoss() throws InterruptedException {
        long[] published = new long[pubs.length];
        for (int p = 0; p < pubs.length; p++) {
            published[p] = pubs[p].published;
        }
        long[] total = new long[3];
        for (EventExecutor loop : group) {
            long[] part = callOnLoop(loop, () -> {
                long lost = 0;
                long reordered = 0;
                long unexpected = 0;
                for (LoadSubscriber s : subs) {
                    if (s == null || s.channel == null || s.channel.eventLoop() != loop) {
                        continue;
                    }
                    unexpected += s.unexpectedFrames;
                    if (!s.counts()) {
                        continue;
                    }
                    lost += s.gaps;
                    reordered += s.outOfOrder;
                    for (int p = 0; p < published.length; p++) {
                        lost += published[p] - 1 - s.last[p];
                    }
                }
                return new long[] {lost, reordered, unexpected};
            });
            total[0] += part[0];
            total[1] += part[1];
            total[2] += part[2];
        }
        return total;
    }

    private static void awaitOnLoop(EventExecutor loop, Runnable task) throws InterruptedException {
        callOnLoop(loop, () -> {
            task.run();
            return null;
        });
    }

    private static <T> T callOnLoop(EventExecutor loop, Callable<T> task) throws InterruptedException {
        try {
            return loop.submit(task).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("task on " + loop + " failed", e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("event loop " + loop + " did not answer within 10 s", e);
        }
    }

    private static Double micros(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? null : round(h.getValueAtPercentile(percentile) / 1e3, 1);
    }
}
