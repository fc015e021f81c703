package io.reactivewspool.benchmarks;

import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.Locale;

import io.reactivewspool.bench.chaos.ChaosMain;
import io.reactivewspool.bench.fanout.FanoutMain;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Entry point of the benchmark jar: {@code java -jar benchmarks.jar <scenario> [options]}.
 * <ul>
 * <li>{@code client-pool}: the loopback request/reply comparison, then the acquire+release JMH benchmark</li>
 * <li>{@code client-pool-loopback [--callers 1,4,16,64,256] [--pool-sizes 1,8,32] [--warmup-ms 2000] [--measure-ms 5000]}:
 * only the loopback comparison</li>
 * <li>{@code client-pool-jmh}: only the JMH benchmark</li>
 * <li>{@code codec}: JMH, {@link CodecBenchmark}: WsCodec.json() against plain Jackson 3, with the GC profiler</li>
 * <li>{@code broadcast}: JMH, {@link BroadcastBenchmark}: encode-once broadcast against per-recipient encoding
 * through one in-process hub, with the GC profiler</li>
 * <li>{@code jmh}: codec, broadcast and client-pool-jmh in a row</li>
 * <li>{@code echo-round-trips [--url U] [--mode borrow|request] [--callers C] [--seconds 15] [--warmup-seconds 2] [--echo-pid P]}:
 * one run of {@link EchoRoundTrips} against an echo server, one JSON line (for {@code benchmarks/pool-vs-go.sh})</li>
 * <li>{@code chaos [DURATION] [SEED] --server-jar=PATH}: the seeded chaos campaign against three standalone
 * servers and Redis ({@code scripts/chaos.sh}, {@link ChaosMain})</li>
 * <li>{@code pool-vs-go-report FILE}: the table of one {@code pool-vs-go.sh} run, {@link PoolVsGoReport}</li>
 * </ul>
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws RunnerException {
        String scenario = args.length == 0 ? "client-pool" : args[0];
        String[] rest = args.length == 0 ? new String[0] : Arrays.copyOfRange(args, 1, args.length);
        switch (scenario) {
            case "client-pool" -> {
                loopback(rest);
                jmh();
            }
            case "client-pool-loopback" -> loopback(rest);
            case "client-pool-jmh" -> jmh();
            // --brief: 2 warm-up and 3 measurement iterations of 1 s, for a quick look on a busy machine.
            case "codec" -> System.out.print("\n" + JmhSuite.codec(Arrays.asList(rest).contains("--brief")
                    ? o -> o.warmupIterations(2).measurementIterations(3) : o -> o));
            case "broadcast" -> System.out.print("\n" + JmhSuite.broadcast(o -> o));
            case "jmh" -> {
                // the tables at the end, after JMH's own output
                String codec = JmhSuite.codec(o -> o);
                String broadcast = JmhSuite.broadcast(o -> o);
                jmh();
                System.out.print("\n" + codec + "\n" + broadcast);
            }
            case "echo-round-trips" -> EchoRoundTrips.main(rest);
            case "chaos" -> {
                // exits with the campaign's verdict
                try {
                    ChaosMain.main(rest);
                } catch (Exception e) {
                    throw new IllegalStateException("chaos campaign failed", e);
                }
            }
            case "pool-vs-go-report" -> {
                try {
                    PoolVsGoReport.main(rest);
                } catch (IOException e) {
                    throw new IllegalStateException("cannot read " + String.join(" ", rest), e);
                }
            }
            case "bare-server", "handwritten-server", "loadgen", "report" -> {
                // The fan-out harness (benchmarks/fanout.sh) has its own entry point.
                try {
                    FanoutMain.main(args);
                } catch (Exception e) {
                    throw new IllegalStateException("fan-out " + scenario + " failed", e);
                }
                return;
            }
            default -> {
                System.err.println("unknown scenario '" + scenario + "': use client-pool, client-pool-loopback, client-pool-jmh, "
                        + "codec, broadcast, jmh, echo-round-trips, chaos, pool-vs-go-report, bare-server, handwritten-server, loadgen or report");
                System.exit(2);
            }
        }
        System.exit(0);
    }

    private static void loopback(String[] args) {
        ClientPoolLoopback.Config c = ClientPoolLoopback.Config.defaults();
        int[] callers = c.callers();
        int[] poolSizes = c.poolSizes();
        Duration warmup = c.warmup();
        Duration measure = c.measure();
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--callers" -> callers = Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--pool-sizes" -> poolSizes = Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--warmup-ms" -> warmup = Duration.ofMillis(Long.parseLong(args[i + 1]));
                case "--measure-ms" -> measure = Duration.ofMillis(Long.parseLong(args[i + 1]));
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        System.out.printf(Locale.ROOT, "== client-pool loopback: request/reply, warmup %d ms, measure %d ms per cell, %d cores%n",
                warmup.toMillis(), measure.toMillis(), Runtime.getRuntime().availableProcessors());
        System.out.println(ClientPoolLoopback.report(ClientPoolLoopback.run(new ClientPoolLoopback.Config(callers, warmup, measure, poolSizes))));
    }

    private static void jmh() throws RunnerException {
        System.out.println("== client-pool JMH: acquire + release, WsClientPool vs raw reactor-pool over the same allocator");
        Options opts = new OptionsBuilder().include(AcquireReleaseBenchmark.class.getName()).build();
        Collection<RunResult> results = new Runner(opts).run();
        double raw = score(results, "rawReactorPool");
        double ws = score(results, "wsClientPool");
        double rawBest = best(results, "rawReactorPool");
        double wsBest = best(results, "wsClientPool");
        System.out.printf(Locale.ROOT, "%nacquire+release: raw reactor-pool %.0f ns/op, WsClientPool %.0f ns/op, ratio %.2fx (mean of iterations)%n",
                raw, ws, ws / raw);
        // on a shared machine the least disturbed iteration of each is the fairer comparison
        System.out.printf(Locale.ROOT, "acquire+release: raw reactor-pool %.0f ns/op, WsClientPool %.0f ns/op, ratio %.2fx (best iteration)%n",
                rawBest, wsBest, wsBest / rawBest);
    }

    private static RunResult result(Collection<RunResult> results, String method) {
        return results.stream().filter(r -> r.getParams().getBenchmark().endsWith("." + method)).findFirst().orElseThrow();
    }

    private static double score(Collection<RunResult> results, String method) {
        return result(results, method).getPrimaryResult().getScore();
    }

    private static double best(Collection<RunResult> results, String method) {
        return result(results, method).getBenchmarkResults().stream()
                .flatMap(b -> b.getIterationResults().stream())
                .mapToDouble(i -> i.getPrimaryResult().getScore())
                .min().orElseThrow();
    }
}
