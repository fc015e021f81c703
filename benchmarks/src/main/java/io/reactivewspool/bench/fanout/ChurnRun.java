package io.reactivewspool.bench.fanout;

import static io.reactivewspool.bench.fanout.FanoutResult.round;
import static io.reactivewspool.bench.fanout.ServerFigures.sumOf;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The churn scenario: {@code connect-concurrency} clients at a time each connect, upgrade, wait for the
 * {@code welcome}, subscribe, wait for {@code subscribed}, send a close frame and wait for the server to
 * close the TCP connection; as each cycle ends the next begins. After a warm-up, the measured window
 * counts whole cycles, their latency (first SYN to the connection closed) and the server's CPU time.
 *
 * <p>A cycle that fails (refused, reset, an {@code error} reply, a close before {@code subscribed}) or takes
 * longer than {@code connect-timeout} is counted apart and the next cycle starts, so a struggling server
 * shows as failures, not as a hung run.
 *
 * <p>Example: {@code FanoutResult r = ChurnRun.run(FanoutConfig.parse("--port=8080", "--churn", "--connect-concurrency=50"));}
 */
final class ChurnRun {

    private final FanoutConfig config;
    private final EventLoopGroup group;
    private final List<URI> uris;
    private final AtomicLong started = new AtomicLong();
    private final LongAdder completed = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final Recorder cycleLatency = new Recorder(3);
    private final AtomicInteger inFlight = new AtomicInteger();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile String firstError;

    private ChurnRun(FanoutConfig config, EventLoopGroup group) {
        this.config = config;
        this.group = group;
        this.uris = config.ports().stream().map(p -> URI.create("ws://" + config.host() + ":" + p + config.path())).toList();
    }

    /** Runs the churn scenario; every connection is closed and the threads are gone when it returns. */
    static FanoutResult run(FanoutConfig config) throws InterruptedException {
        EventLoopGroup group = Transports.group(config.threads(), "churn");
        ChurnRun churn = new ChurnRun(config, group);
        try {
            return churn.execute();
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(15, TimeUnit.SECONDS);
        }
    }

    private FanoutResult execute() throws InterruptedException {
        List<Long> pids = config.serverPids();
        FanoutResult result = new FanoutResult()
                .put("server", config.server()).put("scenario", config.scenario()).put("mode", "churn")
                .put("transport", Transports.name()).put("serverProcesses", config.ports().size())
                .put("concurrency", config.connectConcurrency());
        for (int i = 0; i < config.connectConcurrency(); i++) {
            next();
        }
        Thread.sleep(config.warmup().toMillis());
        long completed0 = completed.sum();
        long failed0 = failed.sum();
        cycleLatency.reset();
        double serverCpu0 = pids.isEmpty() ? -1 : sumOf(pids, ProcStats::cpuSeconds);
        long windowStart = System.nanoTime();
        Thread.sleep(config.duration().toMillis());
        double seconds = (System.nanoTime() - windowStart) / 1e9;
        long cycles = completed.sum() - completed0;
        long failures = failed.sum() - failed0;
        double serverCpu = serverCpu0 >= 0 ? sumOf(pids, ProcStats::cpuSeconds) - serverCpu0 : -1;
        Histogram h = cycleLatency.getIntervalHistogram();
        running = false;
        if (inFlight.get() == 0) {
            stopped.countDown();
        }
        boolean drained = stopped.await(config.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
        return result.put("windowSeconds", round(seconds, 3))
                .put("cycles", cycles)
                .put("cyclesPerSecond", round(cycles / seconds, 1))
                .put("failedCycles", failures)
                .put("totalCycles", started.get())
                .put("serverCpuSeconds", serverCpu >= 0 ? round(serverCpu, 3) : null)
                .put("serverCpuMsPerCycle", serverCpu >= 0 && cycles > 0 ? round(serverCpu * 1e3 / cycles, 4) : null)
                .put("cycleP50Ms", h.getTotalCount() == 0 ? null : round(h.getValueAtPercentile(50) / 1e6, 2))
                .put("cycleP99Ms", h.getTotalCount() == 0 ? null : round(h.getValueAtPercentile(99) / 1e6, 2))
                .put("cycleMaxMs", h.getTotalCount() == 0 ? null : round(h.getMaxValue() / 1e6, 2))
                .put("drained", drained)
                .put("firstError", firstError);
    }

    /** Starts one more cycle, or, once the run is over, counts this slot as finished. */
    private void next() {
        if (!running) {
            if (inFlight.get() == 0) {
                stopped.countDown();
            }
            return;
        }
        long n = started.getAndIncrement();
        inFlight.incrementAndGet();
        int server = (int) (n % uris.size());
        Cycle cycle = new Cycle();
        Transports.connectWebSocket(group, uris.get(server), config.host(), config.ports().get(server),
                        config.sourceAddresses() > 1 ? "127.0.0." + (1 + n % config.sourceAddresses()) : null,
                        config.connectTimeout(), LoadGenerator.MAX_FRAME, cycle)
                .addListener(f -> {
                    if (!f.isSuccess()) {
                        cycle.end(false, "connect failed: " + f.cause());
                    }
                });
    }

    /** One connect … close cycle; its state is owned by its channel's event loop. */
    private final class Cycle extends SimpleChannelInboundHandler<WebSocketFrame> {

        private final long start = System.nanoTime();
        private ChannelHandlerContext ctx;
        private ScheduledFuture<?> deadline;
        private boolean subscribed;
        private boolean ended;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
            deadline = ctx.executor().schedule(() -> end(false, "cycle not over within " + config.connectTimeout()),
                    config.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
                end(false, "handshake timed out");
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (!(frame instanceof TextWebSocketFrame text)) {
                return;
            }
            String s = text.text();
            if (s.contains("\"welcome\"")) {
                ctx.writeAndFlush(new TextWebSocketFrame(
                        "{\"type\":\"subscribe\",\"topic\":\"" + config.topic() + "\",\"id\":\"c\"}"));
            } else if (s.contains("\"subscribed\"")) {
                subscribed = true;
                ctx.writeAndFlush(new CloseWebSocketFrame(1000, "churn"));
            } else if (s.contains("\"error\"") && !subscribed) {
                end(false, "server answered " + s);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            end(subscribed, "closed before subscribed");
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            end(false, cause.toString());
        }

        /** Ends the cycle once, closes its channel if still open and starts the next. */
        void end(boolean success, String error) {
            if (ctx != null && !ctx.executor().inEventLoop()) {
                ctx.executor().execute(() -> end(success, error));
                return;
            }
            if (ended) {
                return;
            }
            ended = true;
            if (deadline != null) {
                deadline.cancel(false);
            }
            if (ctx != null) {
                ctx.close();
            }
            if (success) {
                completed.increment();
                cycleLatency.recordValue(System.nanoTime() - start);
            } else {
                failed.increment();
                if (firstError == null) {
                    firstError = error;
                }
            }
            inFlight.decrementAndGet();
            next();
        }
    }
}
