package io.reactivewspool.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;

import io.reactivewspool.client.WsClient;
import io.reactivewspool.client.WsClientOptions;
import io.reactivewspool.client.WsClientPool;
import io.reactivewspool.client.WsClientPoolOptions;
import io.reactivewspool.client.WsConnection;
import io.reactivewspool.message.WsMessage;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Request/reply over loopback in the same process and run: through a {@link WsClientPool} of each
 * size (min = max connections, warmed), over one shared {@link WsConnection}, and with a new
 * connection per request (connect, request, close). Each mode runs with each number of concurrent
 * callers; a caller sends its next request when the previous reply arrived. The reply server runs on event
 * loops of its own, and every cell starts once the connections of the previous one are gone. Prints
 * throughput and latency percentiles, then the ratios of every pool size against both baselines.
 */
public final class ClientPoolLoopback {

    /** One measured cell. */
    public record Result(String mode, int callers, long requests, long errors, double seconds, Histogram latency) {
        double throughput() {
            return requests / seconds;
        }

        double p50Micros() {
            return latency.getValueAtPercentile(50) / 1000.0;
        }

        double p99Micros() {
            return latency.getValueAtPercentile(99) / 1000.0;
        }
    }

    /** What to run: every pool size and both baselines with every number of callers. */
    public record Config(int[] callers, Duration warmup, Duration measure, int[] poolSizes) {
        static Config defaults() {
            return new Config(new int[] {1, 4, 16, 64, 256}, Duration.ofSeconds(2), Duration.ofSeconds(5), new int[] {1, 8, 32});
        }
    }

    private static final int ROUNDS = 3;
    private static final String POOL = "pool (max ";
    private static final String SINGLE = "single shared connection";
    private static final String PER_REQUEST = "connect per request";

    private ClientPoolLoopback() {
    }

    /** Runs every mode with every caller count against a fresh loopback server; returns the cells in order. */
    public static List<Result> run(Config config) {
        List<Result> results = new ArrayList<>();
        try (LoopbackReplyServer server = new LoopbackReplyServer()) {
            WsClientOptions clientOptions = WsClientOptions.builder(server.url()).requestTimeout(Duration.ofSeconds(10)).build();
            Map<Integer, WsClientPool> pools = new LinkedHashMap<>();
            for (int size : config.poolSizes()) {
                pools.put(size, WsClientPool.create(WsClientPoolOptions.builder(clientOptions).name("bench-" + size)
                        .minConnections(size).maxConnections(size).build()));
            }
            WsClient client = WsClient.create(clientOptions);
            WsConnection single = client.connect().block(Duration.ofSeconds(10));
            try {
                pools.forEach((size, pool) -> waitUntil(() -> pool.metrics().allocated() == size));
                Map<String, Function<WsMessage, Mono<WsMessage>>> modes = new LinkedHashMap<>();
                pools.forEach((size, pool) -> modes.put(POOL + size + ")", pool::request));
                modes.put(SINGLE, single::request);
                // what a caller without a pool does: open, ask, close (the close is part of the cost)
                modes.put(PER_REQUEST, msg -> client.connect()
                        .flatMap(c -> c.request(msg).flatMap(r -> c.close(1000, "").thenReturn(r))));
                for (int callers : config.callers()) {
                    // the modes take turns in short rounds, so that a noisy neighbour on the machine
                    // hits every mode alike instead of whichever ran at that moment
                    Map<String, Cell> cells = new LinkedHashMap<>();
                    modes.keySet().forEach(m -> cells.put(m, new Cell()));
                    Duration warm = config.warmup().dividedBy(ROUNDS);
                    Duration slice = config.measure().dividedBy(ROUNDS);
                    for (int round = 0; round < ROUNDS; round++) {
                        for (Map.Entry<String, Function<WsMessage, Mono<WsMessage>>> m : modes.entrySet()) {
                            if (!warm.isZero()) {
                                drive(callers, warm, m.getValue(), new ConcurrentHistogram(3), new AtomicLong(), new AtomicLong());
                            }
                            cells.get(m.getKey()).add(callers, slice, m.getValue());
                            settle(server, pools.keySet().stream().mapToInt(Integer::intValue).sum() + 1);
                        }
                    }
                    cells.forEach((mode, cell) -> results.add(cell.result(mode, callers)));
                }
            } finally {
                single.close(1000, "").block(Duration.ofSeconds(10));
                pools.values().forEach(pool -> pool.disposeLater().block(Duration.ofSeconds(30)));
            }
        }
        return results;
    }

    private static final class Cell {
        final ConcurrentHistogram latency = new ConcurrentHistogram(3);
        final AtomicLong ok = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        long nanos;

        void add(int callers, Duration slice, Function<WsMessage, Mono<WsMessage>> call) {
            long start = System.nanoTime();
            drive(callers, slice, call, latency, ok, errors);
            nanos += System.nanoTime() - start;
        }

        Result result(String mode, int callers) {
            return new Result(mode, callers, ok.get(), errors.get(), nanos / 1e9, latency);
        }
    }

    private static void drive(int callers, Duration duration, Function<WsMessage, Mono<WsMessage>> call,
                              ConcurrentHistogram h, AtomicLong ok, AtomicLong errors) {
        long deadline = System.nanoTime() + duration.toNanos();
        WsMessage msg = WsMessage.of("echo", null, "0123456789abcdef0123456789abcdef");
        Flux.range(0, callers)
                .flatMap(i -> Mono.defer(() -> {
                    long t0 = System.nanoTime();
                    return call.apply(msg)
                            .doOnNext(r -> {
                                h.recordValue(System.nanoTime() - t0);
                                ok.incrementAndGet();
                            })
                            .onErrorResume(e -> {
                                errors.incrementAndGet();
                                return Mono.empty();
                            })
                            .then();
                }).repeat(() -> System.nanoTime() < deadline), callers)
                .blockLast(duration.plusSeconds(60));
    }

    /**
     * Connect per request leaves thousands of connections closing and their garbage behind its slice,
     * and the cell after it paid for them (a pool measured 0.6x of itself measured after another pool):
     * wait until the server holds only the long-lived connections again, then collect.
     */
    private static void settle(LoopbackReplyServer server, int longLived) {
        // a server that never settles costs the next cell, not the run
        when(() -> server.openConnections() <= longLived).timeout(Duration.ofSeconds(30), Mono.just(0L)).block();
        System.gc();
    }

    private static void waitUntil(Supplier<Boolean> condition) {
        when(condition).block(Duration.ofSeconds(30));
    }

    /** Completes once the condition holds, polled every 10 ms. */
    private static Mono<Long> when(Supplier<Boolean> condition) {
        return Flux.interval(Duration.ofMillis(10)).filter(t -> condition.get()).next();
    }

    /** The report: one line per cell, then the pool's ratios against both baselines per caller count. */
    public static String report(List<Result> results) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-26s %7s %10s %12s %10s %10s %7s%n", "mode", "callers", "requests", "req/s", "p50 us", "p99 us", "errors"));
        for (Result r : results) {
            sb.append(String.format(Locale.ROOT, "%-26s %7d %10d %12.0f %10.1f %10.1f %7d%n", r.mode(), r.callers(), r.requests(),
                    r.throughput(), r.p50Micros(), r.p99Micros(), r.errors()));
        }
        sb.append(String.format(Locale.ROOT, "%nratios (pool / baseline, same run)%n%-15s %7s %22s %22s %22s %22s%n", "pool", "callers",
                "thr vs connect/req", "p99 vs connect/req", "thr vs single conn", "p99 vs single conn"));
        List<Result> pooled = results.stream().filter(r -> r.mode().startsWith(POOL))
                .sorted(Comparator.comparing(Result::mode, Comparator.comparingInt(ClientPoolLoopback::poolSize))
                        .thenComparingInt(Result::callers))
                .toList();
        for (Result p : pooled) {
            Result single = find(results, SINGLE, p.callers());
            Result per = find(results, PER_REQUEST, p.callers());
            sb.append(String.format(Locale.ROOT, "%-15s %7d %21.1fx %21.2fx %21.2fx %21.2fx%n", p.mode(), p.callers(),
                    p.throughput() / per.throughput(), p.p99Micros() / per.p99Micros(),
                    p.throughput() / single.throughput(), p.p99Micros() / single.p99Micros()));
        }
        return sb.toString();
    }

    private static int poolSize(String mode) {
        return Integer.parseInt(mode.substring(POOL.length(), mode.length() - 1));
    }

    private static Result find(List<Result> results, String mode, int callers) {
        return results.stream().filter(r -> r.mode().equals(mode) && r.callers() == callers).findFirst().orElseThrow();
    }
}
