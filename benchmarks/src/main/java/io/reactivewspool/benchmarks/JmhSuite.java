package io.reactivewspool.benchmarks;

import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;

import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs the JMH benchmarks that compare the library with a baseline in the same run, always with
 * the GC profiler ({@code -prof gc}), and turns the results into ratio tables. {@code tune} adjusts
 * the JMH options (the smoke test runs one short iteration in process).
 */
final class JmhSuite {

    private static final String ALLOC = "gc.alloc.rate.norm";

    private JmhSuite() {
    }

    /** {@link CodecBenchmark}: the codec against plain Jackson, per data size; returns the ratio table. */
    static String codec(UnaryOperator<ChainedOptionsBuilder> tune) throws RunnerException {
        Collection<RunResult> results = run(CodecBenchmark.class, tune);
        StringBuilder b = new StringBuilder();
        b.append("== codec: WsCodec.json() vs plain Jackson 3 (writeValueAsBytes / readTree), same message, same run\n");
        b.append(String.format(Locale.ROOT, "%7s %-7s %14s %14s %8s %13s %13s %8s%n", "data B", "op",
                "library ns/op", "jackson ns/op", "ratio", "library B/op", "jackson B/op", "B ratio"));
        for (String size : params(results, "dataBytes")) {
            for (String op : List.of("Encode", "Decode")) {
                RunResult lib = find(results, "library" + op, "dataBytes", size);
                RunResult jack = find(results, "jackson" + op, "dataBytes", size);
                if (lib == null || jack == null) {
                    continue;
                }
                b.append(String.format(Locale.ROOT, "%7s %-7s %14.1f %14.1f %7.2fx %13.0f %13.0f %7.2fx%n", size,
                        op.toLowerCase(Locale.ROOT), score(lib), score(jack), score(lib) / score(jack),
                        alloc(lib), alloc(jack), alloc(lib) / alloc(jack)));
            }
        }
        b.append("ratio = library / jackson (below 1: the library is cheaper)\n");
        b.append("\n== binary codecs: WsCodec.cbor() and WsCodec.messagePack() vs WsCodec.json(), same message, same run\n");
        b.append(String.format(Locale.ROOT, "%7s %-8s %-7s %8s %10s %9s %8s %9s%n", "data B", "codec", "op",
                "frame B", "ns/op", "vs json", "B/op", "vs json"));
        for (String size : params(results, "dataBytes")) {
            WsMessage m = WsMessage.builder(WsMessage.DATA).topic(CodecBenchmark.TOPIC)
                    .data(CodecBenchmark.dataOfSize(Integer.parseInt(size))).timestamp(CodecBenchmark.TIMESTAMP).build();
            for (String codec : List.of("json", "cbor", "msgpack")) {
                WsCodec c = switch (codec) {
                    case "cbor" -> WsCodec.cbor();
                    case "msgpack" -> WsCodec.messagePack();
                    default -> WsCodec.json();
                };
                for (String op : List.of("Encode", "Decode")) {
                    RunResult r = find(results, (codec.equals("json") ? "library" : codec) + op, "dataBytes", size);
                    RunResult json = find(results, "library" + op, "dataBytes", size);
                    if (r == null || json == null) {
                        continue;
                    }
                    b.append(String.format(Locale.ROOT, "%7s %-8s %-7s %8d %10.1f %8.2fx %8.0f %8.2fx%n", size, codec,
                            op.toLowerCase(Locale.ROOT), c.encode(m).length, score(r), score(r) / score(json),
                            alloc(r), alloc(r) / alloc(json)));
                }
            }
        }
        b.append("vs json = codec / WsCodec.json() (below 1: the binary codec is cheaper); frame B = encoded size\n");
        return b.toString();
    }

    /**
     * {@link BroadcastBenchmark}: encode-once broadcast against per-recipient encoding through the
     * same hub, per connection count and data size, per delivery; returns the ratio table.
     */
    static String broadcast(UnaryOperator<ChainedOptionsBuilder> tune) throws RunnerException {
        Collection<RunResult> results = run(BroadcastBenchmark.class, tune);
        StringBuilder b = new StringBuilder();
        b.append("== in-process broadcast through WsHub: encode once (broadcast) vs encode per recipient (sendTo each), same run\n");
        b.append(String.format(Locale.ROOT, "%6s %7s %13s %13s %13s %8s %13s %13s %8s%n", "conns", "data B",
                "once us/op", "once ns/dlv", "per-rcp ns/dlv", "ratio", "once B/dlv", "per-rcp B/dlv", "B ratio"));
        for (String n : params(results, "connections")) {
            for (String size : params(results, "dataBytes")) {
                RunResult once = find(results, "encodeOnce", "connections", n, "dataBytes", size);
                RunResult per = find(results, "perRecipient", "connections", n, "dataBytes", size);
                if (once == null || per == null) {
                    continue;
                }
                double conns = Double.parseDouble(n);
                // scores are in microseconds per broadcast
                double onceNs = score(once) * 1000 / conns;
                double perNs = score(per) * 1000 / conns;
                double onceB = alloc(once) / conns;
                double perB = alloc(per) / conns;
                b.append(String.format(Locale.ROOT, "%6s %7s %13.1f %13.1f %13.1f %7.2fx %13.1f %13.1f %7.2fx%n", n, size,
                        score(once), onceNs, perNs, onceNs / perNs, onceB, perB, onceB / perB));
            }
        }
        b.append("dlv = one delivery (one connection's frame); ratio = encode-once / per-recipient (below 1: encode-once is cheaper)\n");
        return b.toString();
    }

    private static Collection<RunResult> run(Class<?> benchmark, UnaryOperator<ChainedOptionsBuilder> tune) throws RunnerException {
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(benchmark.getName() + "\\.")
                .addProfiler(GCProfiler.class);
        return new Runner(tune.apply(options).build()).run();
    }

    private static List<String> params(Collection<RunResult> results, String name) {
        return results.stream().map(r -> r.getParams().getParam(name)).distinct()
                .sorted((a, c) -> Integer.compare(Integer.parseInt(a), Integer.parseInt(c))).toList();
    }

    private static RunResult find(Collection<RunResult> results, String method, String... paramPairs) {
        outer:
        for (RunResult r : results) {
            if (!r.getParams().getBenchmark().endsWith("." + method)) {
                continue;
            }
            for (int i = 0; i + 1 < paramPairs.length; i += 2) {
                if (!paramPairs[i + 1].equals(r.getParams().getParam(paramPairs[i]))) {
                    continue outer;
                }
            }
            return r;
        }
        return null;
    }

    static double score(RunResult r) {
        return r.getPrimaryResult().getScore();
    }

    /** Bytes allocated per benchmark operation ({@code gc.alloc.rate.norm}), NaN without the GC profiler. */
    static double alloc(RunResult r) {
        for (Map.Entry<String, Result> e : r.getSecondaryResults().entrySet()) {
            if (e.getKey().endsWith(ALLOC)) {
                return e.getValue().getScore();
            }
        }
        return Double.NaN;
    }
}
