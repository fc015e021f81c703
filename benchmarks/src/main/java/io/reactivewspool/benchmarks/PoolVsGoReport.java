package io.reactivewspool.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The table of {@code benchmarks/pool-vs-go.sh}: reads the JSON lines of the Go driver (pool
 * {@code wspool}, with the CPU fields the script adds) and of {@link EchoRoundTrips} (pool
 * {@code reactive-wspool}, modes borrow and request) from one run, and prints every cell and then
 * each mode's ratios against wspool at the same number of callers. With several rounds, a cell is
 * the round with the median round trips per second; errors and mismatches are summed over rounds.
 *
 * <pre>{@code
 * java -jar benchmarks.jar pool-vs-go-report /tmp/pool-vs-go.jsonl
 * }</pre>
 */
public final class PoolVsGoReport {

    private static final String GO = "wspool";
    private static final JsonMapper MAPPER = JsonMapper.shared();

    /** One cell: the median round of one pool, mode and caller count. */
    record Cell(String pool, String mode, int callers, double rtPerSecond, long p50, long p99, long p999,
                long errors, long mismatched, double clientCpuPer1k, double echoCpuPer1k, long allocPerRoundTrip, double jitSeconds, int rounds) {
    }

    private PoolVsGoReport() {
    }

    /** The report for the lines of one run; lines that are not JSON objects with a {@code pool} are ignored. */
    public static String report(List<String> lines) {
        Map<String, List<JsonNode>> groups = new LinkedHashMap<>();
        for (String line : lines) {
            JsonNode n = parse(line);
            if (n == null || !n.has("pool") || !n.has("callers")) {
                continue;
            }
            String mode = n.has("mode") ? n.get("mode").asString() : "borrow";
            groups.computeIfAbsent(n.get("pool").asString() + "|" + mode + "|" + n.get("callers").asInt(), k -> new ArrayList<>()).add(n);
        }
        List<Cell> cells = groups.values().stream().map(PoolVsGoReport::cell)
                .sorted(Comparator.comparingInt(Cell::callers).thenComparing(c -> GO.equals(c.pool()) ? 0 : 1).thenComparing(Cell::mode))
                .toList();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-16s %-8s %7s %10s %8s %8s %9s %15s %13s %11s %6s %7s %10s%n", "pool", "mode", "callers", "rt/s",
                "p50 us", "p99 us", "p99.9 us", "client CPU-s/1k", "echo CPU-s/1k", "alloc B/rt", "JIT s", "errors", "mismatched"));
        for (Cell c : cells) {
            sb.append(String.format(Locale.ROOT, "%-16s %-8s %7d %10.0f %8d %8d %9d %15s %13s %11s %6s %7d %10d%n", c.pool(), c.mode(), c.callers(),
                    c.rtPerSecond(), c.p50(), c.p99(), c.p999(), cpu(c.clientCpuPer1k()), cpu(c.echoCpuPer1k()),
                    c.allocPerRoundTrip() < 0 ? "n/a" : Long.toString(c.allocPerRoundTrip()),
                    c.jitSeconds() < 0 ? "n/a" : String.format(Locale.ROOT, "%.2f", c.jitSeconds()), c.errors(), c.mismatched()));
        }
        sb.append("CPU-s/1k = CPU-seconds per 1,000 round trips over the measured window (client: the driver process; echo: the Node server);\n"
                + "alloc B/rt = bytes the Java driver's threads allocated per round trip; JIT s = its compilation time in the window "
                + "(elapsed, as HotSpot reports it; well above 0 means not yet steady: warm up longer)");
        int rounds = cells.stream().mapToInt(Cell::rounds).max().orElse(0);
        sb.append(rounds > 1 ? "; each cell is the median of " + rounds + " rounds by rt/s\n" : "\n");
        sb.append(String.format(Locale.ROOT, "%nratios against wspool, same run (rt/s above 1 and p99, CPU below 1: reactive-wspool is better)%n"
                + "%-8s %7s %10s %10s %14s  %s%n", "mode", "callers", "rt/s", "p99", "client CPU", "target (rt/s >= 1.0x, less client CPU)"));
        for (Cell c : cells) {
            if (GO.equals(c.pool())) {
                continue;
            }
            Cell go = cells.stream().filter(g -> GO.equals(g.pool()) && g.callers() == c.callers()).findFirst().orElse(null);
            if (go == null) {
                sb.append(String.format(Locale.ROOT, "%-8s %7d  (no wspool cell at this caller count)%n", c.mode(), c.callers()));
                continue;
            }
            double rt = c.rtPerSecond() / go.rtPerSecond();
            double cpu = c.clientCpuPer1k() / go.clientCpuPer1k();
            boolean cpuKnown = c.clientCpuPer1k() > 0 && go.clientCpuPer1k() > 0;
            sb.append(String.format(Locale.ROOT, "%-8s %7d %9.2fx %9.2fx %13s  %s%n", c.mode(), c.callers(), rt,
                    (double) c.p99() / go.p99(), cpuKnown ? String.format(Locale.ROOT, "%.2fx", cpu) : "n/a",
                    rt >= 1.0 && cpuKnown && cpu < 1.0 ? "met" : "not met"));
        }
        return sb.toString();
    }

    private static Cell cell(List<JsonNode> rounds) {
        List<JsonNode> sorted = rounds.stream().sorted(Comparator.comparingDouble(n -> n.get("rt_per_s").asDouble())).toList();
        JsonNode m = sorted.get(sorted.size() / 2);
        double thousands = m.get("rt_per_s").asDouble() * m.path("seconds").asDouble(0) / 1000.0;
        long errors = rounds.stream().mapToLong(n -> n.get("errors").asLong()).sum();
        long mismatched = rounds.stream().mapToLong(n -> n.get("mismatched").asLong()).sum();
        return new Cell(m.get("pool").asString(), m.has("mode") ? m.get("mode").asString() : "borrow", m.get("callers").asInt(),
                m.get("rt_per_s").asDouble(), m.get("p50_us").asLong(), m.get("p99_us").asLong(), m.get("p999_us").asLong(),
                errors, mismatched, perThousand(m.path("client_cpu_s").asDouble(-1), thousands),
                perThousand(m.path("echo_cpu_s").asDouble(-1), thousands), m.path("alloc_b_per_rt").asLong(-1), m.path("jit_s").asDouble(-1), rounds.size());
    }

    /** CPU-seconds per 1,000 round trips, -1 when unknown. */
    private static double perThousand(double cpuSeconds, double thousands) {
        return cpuSeconds < 0 || thousands <= 0 ? -1 : cpuSeconds / thousands;
    }

    private static String cpu(double secondsPer1k) {
        return secondsPer1k < 0 ? "n/a" : String.format(Locale.ROOT, "%.4f", secondsPer1k);
    }

    private static JsonNode parse(String line) {
        String t = line.trim();
        if (!t.startsWith("{")) {
            return null;
        }
        try {
            return MAPPER.readTree(t);
        } catch (JacksonException e) {
            return null;
        }
    }

    /** {@code pool-vs-go-report FILE}: prints the report of the JSON lines in FILE. */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: pool-vs-go-report FILE (the JSON lines of one pool-vs-go.sh run)");
        }
        System.out.print(report(Files.readAllLines(Path.of(args[0]))));
    }
}
