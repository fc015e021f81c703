package io.reactivewspool.benchmarks;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiFunction;

import com.sun.management.ThreadMXBean;
import io.reactivewspool.bench.fanout.ProcStats;
import io.reactivewspool.client.WsClientOptions;
import io.reactivewspool.client.WsClientPool;
import io.reactivewspool.client.WsClientPoolOptions;
import io.reactivewspool.client.WsConnection;
import io.reactivewspool.message.WsMessage;
import org.HdrHistogram.Histogram;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.resources.LoopResources;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * The Java side of the comparison with the seed's Go pool ({@code benchmarks/pool-vs-go.sh}): the
 * same shape as its driver ({@code ../shared/peers/wspool-go/driver}, beside the project), C callers looping
 * against an echo server for a fixed time after a warm-up, one JSON line out. Two modes:
 * <ul>
 * <li>{@code borrow}: {@link WsClientPool#acquire()}, send one message, receive one, release; what
 * the Go driver does with Acquire, SendMessage, ReadMessage, Release;</li>
 * <li>{@code request}: {@link WsClientPool#request(WsMessage)}, the pool's own request/reply.</li>
 * </ul>
 * The pool is configured as the Go driver configures wspool: 2 to 8 connections, 30 min lifetime,
 * 5 min idle time, 30 s health checks, 5 s acquire timeout. Every message carries a unique id
 * ({@code c<caller>-<n>}) and {@code {"n": n}}; a reply that is not equal to what was sent counts as
 * mismatched, a failure as an error. A caller still waiting 10 s after the window closed is stuck
 * (a lost reply: nothing in the borrow path times out, as in the Go driver) and counts as an error.
 * Client CPU is this process's utime + stime over the measured window; echo CPU is the echo server's
 * over the same window, when its pid is given; allocation is what this JVM's threads allocated over the
 * window, per round trip; JIT is the compilation time in the window as HotSpot reports it (elapsed, so on a
 * starved core it can exceed the CPU; well above zero means the warm-up was too short for a steady state).
 *
 * <pre>{@code
 * java -jar benchmarks.jar echo-round-trips --url ws://127.0.0.1:18090/ --mode borrow --callers 8 --seconds 15
 * }</pre>
 */
public final class EchoRoundTrips {

    /** How a caller makes one round trip. */
    public enum Mode {
        BORROW, REQUEST
    }

    /**
     * What to run. {@code echoPid} is -1 when the echo server's CPU is not to be measured;
     * {@code eventLoops} 0 keeps Reactor Netty's default client event loops (at least 4, whatever
     * the cores), N runs the pool's connections on N loops of their own.
     */
    public record Config(String url, Mode mode, int callers, Duration warmup, Duration measure, long echoPid, int eventLoops) {
    }

    /** One run: round trips completed inside the window, their latency (acquire to release), and CPU over the window. */
    public record Result(Config config, long roundTrips, long errors, long mismatched, long stuck, Histogram latency,
                         double clientCpuSeconds, double echoCpuSeconds, long allocatedBytes, double jitSeconds) {

        /** The line the report reads, with the Go driver's field names. */
        public String json() {
            double seconds = config.measure().toNanos() / 1e9;
            return String.format(Locale.ROOT, "{\"pool\":\"reactive-wspool\",\"mode\":\"%s\",\"callers\":%d,\"rt_per_s\":%.1f,"
                            + "\"p50_us\":%d,\"p99_us\":%d,\"p999_us\":%d,\"errors\":%d,\"mismatched\":%d,\"stuck\":%d,"
                            + "\"seconds\":%.3f,\"client_cpu_s\":%.3f,\"echo_cpu_s\":%.3f,\"alloc_b_per_rt\":%d,\"jit_s\":%.3f}",
                    config.mode().name().toLowerCase(Locale.ROOT), config.callers(), roundTrips / seconds,
                    micros(50), micros(99), micros(99.9), errors, mismatched, stuck, seconds, clientCpuSeconds, echoCpuSeconds,
                    roundTrips == 0 || allocatedBytes < 0 ? -1 : allocatedBytes / roundTrips, jitSeconds);
        }

        private long micros(double percentile) {
            return latency.getTotalCount() == 0 ? 0 : latency.getValueAtPercentile(percentile) / 1000;
        }
    }

    /** Sends one message on a borrowed connection and completes with the next message it receives. */
    private static final BiFunction<WsConnection, WsMessage, Mono<WsMessage>> EXCHANGE = WsConnection::sendAndReceive;

    private static final Duration STUCK_AFTER = Duration.ofSeconds(10);
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private EchoRoundTrips() {
    }

    /** One caller: its own counters and histogram, touched only by its own sequential chain. */
    private static final class Caller {
        final int index;
        final Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        int next;
        long ok;
        long errors;
        long mismatched;
        volatile boolean inFlight;

        Caller(int index) {
            this.index = index;
        }

        WsMessage nextMessage() {
            // an int, as the echoed JSON decodes: a long would make every reply unequal
            int n = next++;
            return WsMessage.builder("echo").id("c" + index + "-" + n).data(NODES.objectNode().put("n", n)).build();
        }
    }

    /** Runs the callers for warm-up plus measure against {@code config.url()}; blocks until done. */
    public static Result run(Config config) {
        LoopResources loops = config.eventLoops() > 0 ? LoopResources.create("echo-client", config.eventLoops(), true) : null;
        WsClientOptions.Builder options = WsClientOptions.builder(config.url()).requestTimeout(TIMEOUT);
        if (loops != null) {
            options.httpClientCustomizer(http -> http.runOn(loops));
        }
        WsClientOptions client = options.build();
        WsClientPool pool = WsClientPool.create(WsClientPoolOptions.builder(client).name("echo-" + config.mode().name().toLowerCase(Locale.ROOT))
                .minConnections(2).maxConnections(8)
                .maxLifetime(Duration.ofMinutes(30)).maxIdleTime(Duration.ofMinutes(5))
                .healthCheckPeriod(Duration.ofSeconds(30)).acquireTimeout(TIMEOUT)
                .build());
        try {
            // wspool.New dials MinConn before it returns
            Flux.interval(Duration.ofMillis(5)).filter(t -> pool.metrics().allocated() >= 2).next().block(Duration.ofSeconds(30));
            long start = System.nanoTime();
            long warmEnd = start + config.warmup().toNanos();
            long end = warmEnd + config.measure().toNanos();
            List<Caller> callers = new ArrayList<>();
            for (int i = 0; i < config.callers(); i++) {
                callers.add(new Caller(i));
            }
            CompletableFuture<Void> done = Flux.fromIterable(callers)
                    .flatMap(c -> Mono.defer(() -> roundTrip(pool, config.mode(), c, warmEnd, end))
                            .repeat(() -> System.nanoTime() < end), callers.size())
                    .then()
                    .toFuture();
            long self = ProcessHandle.current().pid();
            parkUntil(warmEnd);
            double clientCpu0 = ProcStats.cpuSeconds(self);
            double echoCpu0 = ProcStats.cpuSeconds(config.echoPid());
            long allocated0 = allocatedBytes();
            double jit0 = jitSeconds();
            parkUntil(end);
            double jit = jit0 < 0 ? -1 : jitSeconds() - jit0;
            double clientCpu = cpuSince(self, clientCpu0);
            double echoCpu = cpuSince(config.echoPid(), echoCpu0);
            long allocated = allocatedBytes() - allocated0;
            long stuck = 0;
            try {
                done.get(STUCK_AFTER.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                stuck = callers.stream().filter(c -> c.inFlight).count();
                done.cancel(true);
            } catch (ExecutionException e) {
                throw new IllegalStateException("the callers failed", e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
            Histogram all = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
            long ok = 0;
            long errors = stuck;
            long mismatched = 0;
            for (Caller c : callers) {
                all.add(c.latency);
                ok += c.ok;
                errors += c.errors;
                mismatched += c.mismatched;
            }
            return new Result(config, ok, errors, mismatched, stuck, all, clientCpu, echoCpu, allocated0 < 0 ? -1 : allocated, jit);
        } finally {
            pool.disposeLater().block(Duration.ofSeconds(30));
            if (loops != null) {
                loops.disposeLater().block(Duration.ofSeconds(30));
            }
        }
    }

    private static Mono<Void> roundTrip(WsClientPool pool, Mode mode, Caller c, long warmEnd, long end) {
        WsMessage message = c.nextMessage();
        c.inFlight = true;
        long t0 = System.nanoTime();
        Mono<WsMessage> reply = mode == Mode.REQUEST ? pool.request(message)
                : pool.acquire().flatMap(p -> EXCHANGE.apply(p.connection(), message)
                        .flatMap(r -> p.release().thenReturn(r))
                        // a connection whose exchange failed may still get that reply: never lend it again
                        .onErrorResume(e -> p.invalidate().then(Mono.error(e))));
        return reply
                .doOnNext(r -> {
                    long t1 = System.nanoTime();
                    if (!r.equals(message)) {
                        c.mismatched++;
                    }
                    if (t0 - warmEnd > 0 && end - t1 > 0) {
                        c.ok++;
                        c.latency.recordValue(Math.min(t1 - t0, c.latency.getHighestTrackableValue()));
                    }
                })
                .onErrorResume(e -> {
                    c.errors++;
                    return Mono.empty();
                })
                .doFinally(s -> c.inFlight = false)
                .then();
    }

    /** CPU seconds of {@code pid} since it read {@code before}; -1 when either reading failed. */
    private static double cpuSince(long pid, double before) {
        double now = before < 0 ? -1 : ProcStats.cpuSeconds(pid);
        return now < 0 ? -1 : now - before;
    }

    /**
     * Bytes allocated so far by the live threads of this JVM (the event loops, reactor's schedulers);
     * -1 without HotSpot's thread allocation counters.
     */
    private static long allocatedBytes() {
        if (!(ManagementFactory.getThreadMXBean() instanceof ThreadMXBean threads)
                || !threads.isThreadAllocatedMemoryEnabled()) {
            return -1;
        }
        long sum = 0;
        for (long bytes : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
            sum += Math.max(0, bytes);
        }
        return sum;
    }

    /** Compilation time so far (elapsed, summed over compilations), -1 when the JVM does not tell. */
    private static double jitSeconds() {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        return jit == null || !jit.isCompilationTimeMonitoringSupported() ? -1 : jit.getTotalCompilationTime() / 1000.0;
    }

    private static void parkUntil(long nanoTime) {
        for (long left = nanoTime - System.nanoTime(); left > 0; left = nanoTime - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }

    /**
     * {@code echo-round-trips --url U --mode borrow|request --callers C [--seconds 15] [--warmup-seconds 2] [--echo-pid P]
     * [--event-loops N]}.
     */
    public static void main(String[] args) {
        String url = "ws://127.0.0.1:18090/";
        Mode mode = Mode.BORROW;
        int callers = 1;
        Duration measure = Duration.ofSeconds(15);
        Duration warmup = Duration.ofSeconds(2);
        long echoPid = -1;
        int eventLoops = 0;
        for (int i = 0; i < args.length; i += 2) {
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("option " + args[i] + " needs a value");
            }
            String v = args[i + 1];
            switch (args[i]) {
                case "--url" -> url = v;
                case "--mode" -> mode = Mode.valueOf(v.toUpperCase(Locale.ROOT));
                case "--callers" -> callers = Integer.parseInt(v);
                case "--seconds" -> measure = Duration.ofMillis(Math.round(Double.parseDouble(v) * 1000));
                case "--warmup-seconds" -> warmup = Duration.ofMillis(Math.round(Double.parseDouble(v) * 1000));
                case "--echo-pid" -> echoPid = Long.parseLong(v);
                case "--event-loops" -> eventLoops = Integer.parseInt(v);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + ": use --url, --mode borrow|request, --callers, --seconds, --warmup-seconds, --echo-pid, --event-loops");
            }
        }
        if (callers < 1 || measure.isNegative() || measure.isZero() || eventLoops < 0) {
            throw new IllegalArgumentException("--callers must be >= 1, --seconds > 0 and --event-loops >= 0, were " + callers + ", "
                    + measure + " and " + eventLoops);
        }
        System.out.println(run(new Config(url, mode, callers, warmup, measure, echoPid, eventLoops)).json());
    }
}
