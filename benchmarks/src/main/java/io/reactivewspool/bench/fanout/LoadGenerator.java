package io.reactivewspool.bench.fanout;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

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
 * <p>Everything is bounded: connect, warm-up, window and drain each have a time limit.
 */
public final class LoadGenerator {

    private static final int PHASE_SETUP = 0;
    private static final int PHASE_WARMUP = 1;
    private static final int PHASE_MEASURE = 2;
    private static final int PHASE_DRAIN = 3;
    private static final int PHASE_DONE = 4;

    /** Messages one publisher sends per event-loop task before it yields to the subscribers' reads. */
    private static final int PUBLISH_BATCH = 64;
    private static final long RATE_TICK_MICROS = 1_000;
    /**
     * A message the server drops for every subscriber is never received, so it stays outstanding until a
     * later one reveals the gap; with the window full of such messages nothing would be sent again. A
     * publisher blocked this long sends one message past its window.
     */
    static final long STALL_PROBE_MILLIS = 200;
    private static final int MAX_FRAME = 65_536;
    private static final byte[] SEQ_KEY = "\"seq\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PUB_KEY = "\"p\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TIME_KEY = "\"t\":".getBytes(StandardCharsets.US_ASCII);
    private static final char[] PAD = new char[MAX_FRAME];

    static {
        Arrays.fill(PAD, 'x');
    }

    /**
     * One run's settings; {@link #parse(String...)} reads them from {@code --name=value} options.
     *
     * @param rate total publish rate in messages per second; 0 means as fast as allowed
     * @param window messages per publisher that may be outstanding
     * @param ports the server's port, or one per server process: subscribers are spread round-robin over
     *              them, publishers connect to the first
     * @param serverPids pids of the server processes for CPU, allocation, RSS and heap (summed over them);
     *                   empty to skip those figures
     * @param brokerPid pid of a broker process (redis-server) whose CPU is reported apart; -1 for none
     * @param heapCheck read the servers' heap after a full GC before publishing and after the drain
     * @param queueSize the server's outbound queue bound in messages, for the heap bound of stopped readers;
     *                  0 when unknown
     */
    public record Config(String server, String scenario, String host, List<Integer> ports, String path,
                         int subscribers, int publishers, String topic, int payloadBytes, double rate,
                         int window, Duration warmup, Duration duration, Duration drain,
                         int sourceAddresses, double stopReadingFraction, boolean idle, Duration idleWait,
                         List<Long> serverPids, long brokerPid, boolean heapCheck, int queueSize,
                         int threads, int connectConcurrency, Duration connectTimeout) {

        public Config {
            ports = List.copyOf(ports);
            serverPids = List.copyOf(serverPids);
            if (ports.isEmpty() || subscribers < 0 || publishers < 0 || window < 1 || threads < 1 || connectConcurrency < 1
                    || sourceAddresses < 1 || sourceAddresses > 254) {
                throw new IllegalArgumentException("bad load generator configuration: " + this);
            }
            if (payloadBytes < 64 || payloadBytes > MAX_FRAME / 2) {
                throw new IllegalArgumentException("payload must be in [64, 32768] bytes, was " + payloadBytes);
            }
            if (!Protocol.validTopic(topic)) {
                throw new IllegalArgumentException("topic must match [A-Za-z0-9_.:/-]{1,256}, was " + topic);
            }
            if (stopReadingFraction < 0 || stopReadingFraction >= 1) {
                throw new IllegalArgumentException("stop-reading-fraction must be in [0, 1), was " + stopReadingFraction);
            }
        }

        /** Parses {@code --name=value} options; see {@link FanoutMain} for the list and the defaults. */
        public static Config parse(String... args) {
            Options o = new Options(args, 0);
            Config c = new Config(
                    o.string("server", "unknown"),
                    o.string("scenario", "adhoc"),
                    o.string("host", "127.0.0.1"),
                    Arrays.stream(o.string("port", "8080").split(",")).map(p -> Integer.valueOf(p.trim())).toList(),
                    o.string("path", "/ws"),
                    o.integer("subscribers", 100),
                    o.integer("publishers", 1),
                    o.string("topic", "bench.fanout"),
                    o.integer("payload", 64),
                    o.decimal("rate", 0),
                    o.integer("window", 32),
                    o.duration("warmup", Duration.ofSeconds(2)),
                    o.duration("duration", Duration.ofSeconds(5)),
                    o.duration("drain", Duration.ofSeconds(3)),
                    o.integer("source-addresses", 1),
                    o.decimal("stop-reading-fraction", 0),
                    o.flag("idle"),
                    o.duration("idle-wait", Duration.ofSeconds(3)),
                    Arrays.stream(o.string("server-pid", "").split(",")).filter(p -> !p.isBlank())
                            .map(p -> Long.valueOf(p.trim())).filter(p -> p > 0).toList(),
                    o.longValue("broker-pid", -1),
                    o.flag("heap-check"),
                    o.integer("queue-size", 0),
                    o.integer("threads", 1),
                    o.integer("connect-concurrency", 256),
                    o.duration("connect-timeout", Duration.ofSeconds(120)));
            o.rejectUnknown();
            return c;
        }
    }

    private final Config config;
    private final List<URI> uris;
    private final EventLoopGroup group;
    private final Sub[] subs;
    private final Pub[] pubs;
    private final AtomicInteger nextToConnect = new AtomicInteger();
    private final AtomicInteger subscribedCount = new AtomicInteger();
    private final AtomicInteger subscribeFailures = new AtomicInteger();
    private final CountDownLatch subscribersSettled;
    private final CountDownLatch publishersReady;
    /** Subscribers whose deliveries pace the publishers: subscribed, reading and still connected. */
    private final AtomicInteger readers = new AtomicInteger();
    private final AtomicInteger disconnected = new AtomicInteger();
    private final LongAdder windowDeliveries = new LongAdder();
    private final Recorder latency = new Recorder(3);
    private final List<Channel> channels = new ArrayList<>();
    private volatile int phase = PHASE_SETUP;
    private volatile String firstError;
    /** The size of a delivered data frame's payload, from the first one received. */
    private volatile int dataFrameBytes;

    private LoadGenerator(Config config, EventLoopGroup group) {
        this.config = config;
        this.group = group;
        this.uris = config.ports().stream().map(p -> URI.create("ws://" + config.host() + ":" + p + config.path())).toList();
        this.subs = new Sub[config.subscribers()];
        this.pubs = new Pub[config.idle() ? 0 : config.publishers()];
        this.subscribersSettled = new CountDownLatch(config.subscribers());
        this.publishersReady = new CountDownLatch(pubs.length);
    }

    /** Runs one benchmark and returns its figures; the connections and threads are gone when it returns. */
    public static FanoutResult run(Config config) throws InterruptedException {
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
        readers.set(countOnLoops(Sub::counts));
        result.put("stoppedReaders", stopped);
        // Attached before the warm-up: starting the management agent in a server costs it a moment.
        List<ObservedJvm> jvms = observe(pids);
        long heapBeforePublish = config.heapCheck() ? heapUsedAfterGc(jvms) : -1;
        long heapAfterDrain = -1;
        try {
            for (int i = 0; i < pubs.length; i++) {
                pubs[i] = new Pub(i);
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
        for (Pub p : pubs) {
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
        double selfWait = selfWait0 >= 0 ? ProcStats.runQueueWaitSeconds(self) - selfWait0 : -1;
        long publishedInWindow = publishedTotal() - published0;
        long allocated = allocated0 >= 0 && allocated1 >= 0 ? allocated1 - allocated0 : -1;
        Histogram h = latency.getIntervalHistogram();

        for (Pub p : pubs) {
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

    /** Every server process over JMX; none (and a warning) when one cannot be attached to. */
    private static List<ObservedJvm> observe(List<Long> pids) {
        List<ObservedJvm> jvms = new ArrayList<>();
        for (long pid : pids) {
            try {
                jvms.add(ObservedJvm.of(pid));
            } catch (IOException | RuntimeException e) {
                System.err.println("loadgen: no allocation or heap figures: " + e);
                jvms.forEach(ObservedJvm::close);
                return List.of();
            }
        }
        return jvms;
    }

    private static long allocatedBytes(List<ObservedJvm> jvms) {
        return (long) sumOf(jvms, ObservedJvm::allocatedBytes);
    }

    private static long heapUsedAfterGc(List<ObservedJvm> jvms) {
        return (long) sumOf(jvms, ObservedJvm::heapUsedAfterGc);
    }

    /**
     * A figure summed over the server processes (pids or observed JVMs); -1 when there are none or any cannot be
     * read. Byte counts stay exact in a double up to 2^53.
     */
    private static <T> double sumOf(List<T> servers, ToDoubleFunction<T> figure) {
        if (servers.isEmpty()) {
            return -1;
        }
        double sum = 0;
        for (T server : servers) {
            double v = figure.applyAsDouble(server);
            if (v < 0) {
                return -1;
            }
            sum += v;
        }
        return sum;
    }

    // ---------------------------------------------------------------- connections

    private void connectNextSubscriber() {
        int i = nextToConnect.getAndIncrement();
        if (i < subs.length) {
            subs[i] = new Sub(i);
            connect(i, i % uris.size(), subs[i]);
        }
    }

    /** Connects {@code handler} to the server process {@code server} (an index into the ports). */
    private void connect(int index, int server, Conn handler) {
        WebSocketClientProtocolConfig ws = WebSocketClientProtocolConfig.newBuilder()
                .webSocketUri(uris.get(server))
                .generateOriginHeader(false)
                .maxFramePayloadLength(MAX_FRAME)
                .handshakeTimeoutMillis(config.connectTimeout().toMillis())
                .build();
        Bootstrap b = new Bootstrap()
                .group(group)
                .channel(Transports.clientChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, config.connectTimeout().toMillis()))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(8192),
                                new WebSocketClientProtocolHandler(ws), handler);
                    }
                });
        InetSocketAddress remote = new InetSocketAddress(config.host(), config.ports().get(server));
        ChannelFuture f = config.sourceAddresses() > 1
                ? b.connect(remote, new InetSocketAddress("127.0.0." + (1 + index % config.sourceAddresses()), 0))
                : b.connect(remote);
        synchronized (channels) {
            channels.add(f.channel());
        }
        f.addListener(done -> {
            if (!done.isSuccess()) {
                handler.failed("connect failed: " + done.cause());
            }
        });
    }

    private int countOnLoops(Predicate<Sub> condition) throws InterruptedException {
        int total = 0;
        for (EventExecutor loop : group) {
            total += callOnLoop(loop, () -> {
                int n = 0;
                for (Sub s : subs) {
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
            Sub s = subs[(int) ((long) k * subs.length / count)];
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
        long sum = 0;
        for (Pub p : pubs) {
            sum += p.published;
        }
        return sum;
    }

    private long outstandingTotal() {
        long sum = 0;
        for (Pub p : pubs) {
            sum += Math.max(0, p.outstanding());
        }
        return sum;
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
                for (Sub s : subs) {
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

    // ---------------------------------------------------------------- handlers

    /** What subscribers and publishers share: handshake, failure before readiness, close. */
    private abstract class Conn extends SimpleChannelInboundHandler<WebSocketFrame> {
        Channel channel;
        private boolean settled;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            channel = ctx.channel();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                handshakeComplete(ctx);
            } else if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
                failed("handshake timed out");
            }
            super.userEventTriggered(ctx, evt);
        }

        abstract void handshakeComplete(ChannelHandlerContext ctx);

        abstract void onReady(boolean success);

        /** Called at most once per connection, when it is ready or cannot become so. */
        final void settle(boolean success, String error) {
            if (settled) {
                return;
            }
            settled = true;
            if (!success && firstError == null) {
                firstError = error;
            }
            onReady(success);
        }

        void failed(String error) {
            if (channel == null || channel.eventLoop().inEventLoop()) {
                settle(false, error);
            } else {
                channel.eventLoop().execute(() -> settle(false, error));
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            if (!settled) {
                settle(false, "connection closed before it was ready");
            } else {
                closedAfterReady();
            }
            super.channelInactive(ctx);
        }

        void closedAfterReady() {
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (firstError == null) {
                firstError = cause.toString();
            }
            ctx.close();
        }
    }

    private final class Sub extends Conn implements ServerFrameDecoder.Sink {
        final int index;
        final long[] last;
        long gaps;
        long outOfOrder;
        long unexpectedFrames;
        boolean subscribed;
        boolean stopped;
        boolean gone;

        Sub(int index) {
            this.index = index;
            this.last = new long[pubs.length];
            Arrays.fill(last, -1);
        }

        boolean counts() {
            return subscribed && !stopped && !gone;
        }

        @Override
        void handshakeComplete(ChannelHandlerContext ctx) {
            // Frames the handshake already decoded (a welcome in the same segment as the 101) arrived as
            // WebSocketFrame objects; from now on the lean decoder calls onText directly.
            if (!Boolean.getBoolean("bench.nettyDecoder")) {
                ctx.pipeline().replace(WebSocketFrameDecoder.class, "bench-frame-decoder",
                        new ServerFrameDecoder(this, MAX_FRAME));
            }
            ctx.writeAndFlush(new TextWebSocketFrame(
                    "{\"type\":\"subscribe\",\"topic\":\"" + config.topic() + "\",\"id\":\"s" + index + "\"}"));
        }

        @Override
        void onReady(boolean success) {
            if (success) {
                subscribed = true;
                subscribedCount.incrementAndGet();
            } else {
                subscribeFailures.incrementAndGet();
            }
            subscribersSettled.countDown();
            connectNextSubscriber();
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            ByteBuf content = frame.content();
            if (frame instanceof TextWebSocketFrame) {
                onText(content, content.readerIndex(), content.writerIndex());
            } else {
                onUnexpectedFrame();
            }
        }

        @Override
        public void onUnexpectedFrame() {
            unexpectedFrames++;
        }

        @Override
        public void onText(ByteBuf content, int start, int end) {
            int seqAt = indexOf(content, SEQ_KEY, start, end);
            if (seqAt < 0) {
                control(content.toString(start, end - start, StandardCharsets.UTF_8));
                return;
            }
            long now = System.nanoTime();
            if (dataFrameBytes == 0) {
                dataFrameBytes = end - start;
            }
            long seq = parseLong(content, seqAt + SEQ_KEY.length, end);
            // The load generator writes p, seq, t in this order; a server that reorders them costs a rescan.
            int pubAt = indexOf(content, PUB_KEY, Math.max(start, seqAt - 16), seqAt);
            if (pubAt < 0) {
                pubAt = indexOf(content, PUB_KEY, start, end);
            }
            int timeAt = indexOf(content, TIME_KEY, seqAt, end);
            if (timeAt < 0) {
                timeAt = indexOf(content, TIME_KEY, start, end);
            }
            if (pubAt < 0 || timeAt < 0) {
                unexpectedFrames++;
                return;
            }
            int p = (int) parseLong(content, pubAt + PUB_KEY.length, end);
            long sent = parseLong(content, timeAt + TIME_KEY.length, end);
            if (phase == PHASE_MEASURE) {
                windowDeliveries.increment();
                latency.recordValue(Math.max(0, now - sent));
            }
            if (p < 0 || p >= last.length || stopped) {
                return;
            }
            long previous = last[p];
            if (seq > previous) {
                gaps += seq - previous - 1;
                last[p] = seq;
                pubs[p].accounted(seq - previous);
            } else {
                outOfOrder++;
            }
        }

        private void control(String text) {
            JsonNode msg;
            try {
                msg = Protocol.MAPPER.readTree(text);
            } catch (JacksonException e) {
                return;
            }
            String type = msg.path("type").asString("");
            if ("subscribed".equals(type)) {
                settle(true, null);
            } else if ("error".equals(type) && !subscribed) {
                settle(false, "server refused subscribe: " + msg.path("error").asString(""));
            }
        }

        @Override
        void closedAfterReady() {
            if (subscribed && !stopped && !gone && phase < PHASE_DONE) {
                gone = true;
                disconnected.incrementAndGet();
                if (phase >= PHASE_WARMUP) {
                    readers.decrementAndGet();
                    // What this subscriber had accounted for no longer counts towards any publisher's progress.
                    for (int p = 0; p < last.length; p++) {
                        pubs[p].accounted(-(last[p] + 1));
                    }
                }
            }
        }
    }

    private final class Pub extends Conn {
        final int index;
        final AtomicLong accounted = new AtomicLong();
        final AtomicBoolean wakePending = new AtomicBoolean();
        final Runnable pumpTask = this::pump;
        final StringBuilder text = new StringBuilder(256);
        final String prefix;
        /** Where the data value starts in {@link #text}. */
        final int dataOffset;
        /** Owned by the publisher's event loop. */
        long nextSeq;
        /** {@link #nextSeq} as other threads see it. */
        volatile long published;
        volatile boolean blocked;
        boolean running;
        /** Messages sent past the window after {@link #STALL_PROBE_MILLIS} without progress. */
        volatile long probes;
        ScheduledFuture<?> stallProbe;
        long accountedWhenArmed;
        long startNanos;
        ScheduledFuture<?> ticker;

        Pub(int index) {
            this.index = index;
            String envelope = "{\"type\":\"publish\",\"topic\":\"" + config.topic() + "\",\"data\":";
            this.prefix = envelope + "{\"p\":" + index + ",\"seq\":";
            this.dataOffset = envelope.length();
        }

        @Override
        void handshakeComplete(ChannelHandlerContext ctx) {
            settle(true, null);
        }

        @Override
        void onReady(boolean success) {
            if (success) {
                publishersReady.countDown();
            }
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            // welcome, published, errors: nothing to do.
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
            if (ctx.channel().isWritable()) {
                pump();
            }
            super.channelWritabilityChanged(ctx);
        }

        void start() {
            running = true;
            startNanos = System.nanoTime();
            if (config.rate() > 0) {
                ticker = channel.eventLoop().scheduleAtFixedRate(pumpTask, 0, RATE_TICK_MICROS, TimeUnit.MICROSECONDS);
            } else {
                pump();
            }
        }

        void stop() {
            running = false;
            if (ticker != null) {
                ticker.cancel(false);
            }
            if (stallProbe != null) {
                stallProbe.cancel(false);
            }
        }

        private void probe() {
            stallProbe = null;
            if (!running || !blocked || !channel.isActive()) {
                return;
            }
            long now = accounted.get();
            if (now != accountedWhenArmed) {
                armProbe(); // progress since: not a stall
            } else {
                probes++;
                send();
                published = nextSeq;
                channel.flush();
                pump();
            }
        }

        private void armProbe() {
            accountedWhenArmed = accounted.get();
            stallProbe = channel.eventLoop().schedule(this::probe, STALL_PROBE_MILLIS, TimeUnit.MILLISECONDS);
        }

        long outstanding() {
            return published * readers.get() - accounted.get();
        }

        /** Called by subscribers on any loop: wakes a publisher stopped by its window once half of it is free. */
        void accounted(long delta) {
            long acc = accounted.addAndGet(delta);
            if (blocked) {
                long r = readers.get();
                if (published * r - acc <= config.window() * r / 2 && wakePending.compareAndSet(false, true)) {
                    channel.eventLoop().execute(() -> {
                        wakePending.set(false);
                        pump();
                    });
                }
            }
        }

        void pump() {
            if (!running || !channel.isActive()) {
                return;
            }
            long limit = config.rate() > 0
                    ? (long) ((System.nanoTime() - startNanos) / 1e9 * config.rate() / pubs.length) + 1
                    : Long.MAX_VALUE;
            int sent = 0;
            blocked = false;
            while (nextSeq < limit && sent < PUBLISH_BATCH && channel.isWritable()) {
                if (windowFull()) {
                    published = nextSeq;
                    blocked = true;
                    // Re-check after publishing 'blocked': a subscriber that accounted in between saw it.
                    if (windowFull()) {
                        if (stallProbe == null) {
                            armProbe();
                        }
                        break;
                    }
                    blocked = false;
                }
                send();
                sent++;
            }
            published = nextSeq;
            if (sent > 0) {
                channel.flush();
            }
            if (sent == PUBLISH_BATCH) {
                channel.eventLoop().execute(pumpTask);
            }
        }

        private boolean windowFull() {
            long r = readers.get();
            return r > 0 && nextSeq * r - accounted.get() >= config.window() * r;
        }

        private void send() {
            long seq = nextSeq++;
            long t = System.nanoTime();
            StringBuilder b = text;
            b.setLength(0);
            b.append(prefix).append(seq).append(",\"t\":").append(t).append(",\"pad\":\"");
            int dataLength = b.length() - dataOffset + 2; // + the closing "}
            int pad = Math.max(0, config.payloadBytes() - dataLength);
            b.append(PAD, 0, pad).append("\"}}");
            ByteBuf buf = ByteBufUtil.writeAscii(channel.alloc(), b);
            channel.write(new TextWebSocketFrame(buf), channel.voidPromise());
        }
    }

    // ---------------------------------------------------------------- byte scanning

    /** Index of {@code key} in {@code buf} between {@code from} and {@code to} (exclusive), or -1. */
    static int indexOf(ByteBuf buf, byte[] key, int from, int to) {
        int last = to - key.length;
        byte first = key[0];
        outer:
        for (int i = from; i <= last; i++) {
            if (buf.getByte(i) != first) {
                continue;
            }
            for (int k = 1; k < key.length; k++) {
                if (buf.getByte(i + k) != key[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** A decimal integer starting at {@code at} after optional spaces; stops at the first non-digit. */
    static long parseLong(ByteBuf buf, int at, int end) {
        int i = at;
        while (i < end && buf.getByte(i) == ' ') {
            i++;
        }
        boolean negative = i < end && buf.getByte(i) == '-';
        if (negative) {
            i++;
        }
        long v = 0;
        for (; i < end; i++) {
            byte c = buf.getByte(i);
            if (c < '0' || c > '9') {
                break;
            }
            v = v * 10 + (c - '0');
        }
        return negative ? -v : v;
    }

    private static Double micros(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? null : round(h.getValueAtPercentile(percentile) / 1e3, 1);
    }

    private static double round(double v, int decimals) {
        double scale = Math.pow(10, decimals);
        return Math.round(v * scale) / scale;
    }

    static String describe(Config c) {
        return String.format(Locale.ROOT, "%s %s: %d subscribers, %d publishers, %d B, %s",
                c.server(), c.scenario(), c.subscribers(), c.publishers(), c.payloadBytes(),
                c.idle() ? "idle" : c.rate() > 0 ? c.rate() + " msg/s" : "saturation");
    }
}
