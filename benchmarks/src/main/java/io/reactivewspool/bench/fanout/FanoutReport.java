package io.reactivewspool.bench.fanout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoublePredicate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns the JSON lines of a run into Markdown tables, one per scenario, with every server's figures beside
 * their ratios to the bare baseline ({@code bare}, the ceiling) and to the hand-written broadcaster
 * ({@code handwritten}, the floor) of the same run.
 */
final class FanoutReport {

    static final String CEILING = "bare";
    static final String FLOOR = "handwritten";
    /** The library's standalone server, one process: the baseline of the two-hub run. */
    static final String ONE_HUB = "library";
    /** The minimal WebFlux application with the starter (benchmarks/spring-server). */
    static final String SPRING = "spring";
    /** Two standalone server processes sharing topics through one redis-server. */
    static final String TWO_HUBS = "library-redis";

    private FanoutReport() {
    }

    static String markdown(List<String> jsonLines) {
        Map<String, List<JsonNode>> byScenario = new LinkedHashMap<>();
        for (String line : jsonLines) {
            if (line.isBlank() || !line.startsWith("{")) {
                continue;
            }
            JsonNode n = Protocol.MAPPER.readTree(line);
            byScenario.computeIfAbsent(n.path("scenario").asString(""), k -> new ArrayList<>()).add(n);
        }
        Map<String, List<JsonNode>> runs = new LinkedHashMap<>();
        byScenario.forEach((k, v) -> runs.put(k, List.copyOf(v)));
        byScenario.replaceAll(FanoutReport::medianPerServer);
        StringBuilder b = new StringBuilder();
        tables(byScenario, runs, b);
        targets(byScenario, runs, b);
        return b.toString();
    }

    /**
     * The same server's runs without stopped readers that a slow-… scenario is compared with: {@code ref-…}
     * (each run just before a slow run, so the pair shares the machine's speed of that minute) when the run
     * has it, else {@code sat-…} of the same size.
     */
    static String referenceOf(String slowScenario, Map<String, List<JsonNode>> scenarios) {
        String size = slowScenario.substring("slow-".length());
        return scenarios.containsKey("ref-" + size) ? "ref-" + size : "sat-" + size;
    }

    /**
     * Healthy subscribers' deliveries with stopped readers ÷ without: with {@code ref-…} runs, the median of
     * the ratios of each slow run to the reference run just before it (the i-th of each, per server); else
     * the ratio of the two median runs. NaN when a figure is missing.
     */
    static double pairedHealthyRatio(String server, String slowScenario, Map<String, List<JsonNode>> runs,
                                     JsonNode slowMedian, JsonNode noSlowMedian) {
        String ref = referenceOf(slowScenario, runs);
        if (ref.startsWith("ref-")) {
            List<JsonNode> slow = ofServer(runs.get(slowScenario), server);
            List<JsonNode> before = ofServer(runs.get(ref), server);
            if (!slow.isEmpty() && slow.size() == before.size()) {
                double[] ratios = new double[slow.size()];
                for (int i = 0; i < ratios.length; i++) {
                    ratios[i] = healthyRatio(slow.get(i), before.get(i));
                }
                Arrays.sort(ratios);
                return ratios[(ratios.length - 1) / 2];
            }
        }
        return healthyRatio(slowMedian, noSlowMedian);
    }

    private static List<JsonNode> ofServer(List<JsonNode> rows, String server) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode r : rows == null ? List.<JsonNode>of() : rows) {
            if (server.equals(r.path("server").asString())) {
                out.add(r);
            }
        }
        return out;
    }

    /**
     * The targets, as ratios to the baselines of the same run, checked for every server other than
     * the ceiling: deliveries per server CPU-second ≥ 0.8× bare and ≥ 3× handwritten at saturation, bytes
     * allocated per delivery ≤ 1.2× bare at saturation, p99 at half load ≤ 1.5× bare, heap per idle
     * connection ≤ 1.3× bare; with stopped readers, healthy subscribers' deliveries ≥ 0.95× the same
     * server's run without them and heap after the drain ≤ its heap before publishing + the queue bound of
     * the stopped readers; two hubs through Redis ≥ 0.5× the deliveries per server CPU-second of one hub.
     */
    private static void targets(Map<String, List<JsonNode>> byScenario, Map<String, List<JsonNode>> runs, StringBuilder b) {
        StringBuilder rows = new StringBuilder();
        for (Map.Entry<String, List<JsonNode>> e : byScenario.entrySet()) {
            String scenario = e.getKey();
            List<JsonNode> list = e.getValue();
            JsonNode ceiling = find(list, CEILING);
            JsonNode floor = find(list, FLOOR);
            for (JsonNode r : list) {
                String server = r.path("server").asString();
                if (scenario.startsWith("slow-")) {
                    // every server, the ceiling too: these compare a server with itself
                    JsonNode noSlow = find(byScenario.getOrDefault(referenceOf(scenario, byScenario), List.of()), server);
                    row(rows, server, scenario, "healthy subscribers' deliveries ≥ 0.95× without stopped readers",
                            pairedHealthyRatio(server, scenario, runs, r, noSlow), v -> v >= 0.95);
                    double heap = heapRatio(r, noSlow);
                    if (!Double.isNaN(heap)) {
                        row(rows, server, scenario, "heap after the drain ≤ baseline + queue bound × stopped readers",
                                heap, v -> v <= 1.0);
                    }
                    continue;
                }
                if (scenario.startsWith("churn-")) {
                    if (!server.equals(ConnectionReport.NODE_WS)) {
                        target(rows, server, scenario, "churn cycles/s ≥ 1.0× ws-node",
                                r, find(list, ConnectionReport.NODE_WS), "cyclesPerSecond", 1.0, true);
                    }
                    continue;
                }
                if (scenario.startsWith("storm-")) {
                    continue;
                }
                if (server.equals(SPRING)) {
                    springTargets(rows, scenario, r, list);
                }
                if (scenario.startsWith("redis-")) {
                    if (server.equals(TWO_HUBS)) {
                        target(rows, server, scenario, "deliveries per server CPU-s ≥ 0.5× one hub",
                                r, find(list, ONE_HUB), "deliveriesPerServerCpuSecond", 0.5, true);
                    }
                    continue;
                }
                if (server.equals(CEILING)) {
                    continue;
                }
                if (scenario.startsWith("sat-")) {
                    target(rows, server, scenario, "deliveries per server CPU-s ≥ 0.8× bare",
                            r, ceiling, "deliveriesPerServerCpuSecond", 0.8, true);
                    if (!server.equals(FLOOR)) {
                        target(rows, server, scenario, "deliveries per server CPU-s ≥ 3× handwritten",
                                r, floor, "deliveriesPerServerCpuSecond", 3.0, true);
                    }
                    target(rows, server, scenario, "bytes allocated per delivery ≤ 1.2× bare",
                            r, ceiling, "serverAllocatedBytesPerDelivery", 1.2, false);
                } else if (scenario.startsWith("half-")) {
                    target(rows, server, scenario, "p99 ≤ 1.5× bare", r, ceiling, "latencyP99Us", 1.5, false);
                } else if (scenario.startsWith("idle-")) {
                    target(rows, server, scenario, "heap per idle connection ≤ 1.3× bare",
                            r, ceiling, "heapPerConnectionBytes", 1.3, false);
                }
            }
        }
        if (rows.length() > 0) {
            b.append("\n### Targets (ratios to the baselines of this run)\n\n");
            b.append("| server | scenario | target | ratio | met |\n|---|---|---|---:|---|\n").append(rows);
        }
    }

    /**
     * The Spring adapter against the standalone server of the same run: server CPU per delivery ≤ 1.25× the
     * Reactor Netty engine's at saturation, p99 at half load ≤ 1.5× it, heap per idle subscribed
     * connection ≤ 1.3× the plain-Netty engine's.
     */
    private static void springTargets(StringBuilder rows, String scenario, JsonNode r, List<JsonNode> list) {
        JsonNode standalone = find(list, ONE_HUB);
        if (scenario.startsWith("sat-")) {
            target(rows, SPRING, scenario, "server CPU per delivery ≤ 1.25× library",
                    r, standalone, "serverCpuSecondsPerMillionDeliveries", 1.25, false);
        } else if (scenario.startsWith("half-")) {
            target(rows, SPRING, scenario, "p99 ≤ 1.5× library", r, standalone, "latencyP99Us", 1.5, false);
        } else if (scenario.startsWith("idle-")) {
            target(rows, SPRING, scenario, "heap per idle connection ≤ 1.3× library-netty",
                    r, find(list, "library-netty"), "heapPerConnectionBytes", 1.3, false);
        }
    }

    private static void target(StringBuilder rows, String server, String scenario, String name,
                               JsonNode r, JsonNode base, String field, double bound, boolean atLeast) {
        double v = ratioValue(r, base, field);
        row(rows, server, scenario, name, v, x -> atLeast ? x >= bound : x <= bound);
    }

    private static void row(StringBuilder rows, String server, String scenario, String name, double ratio,
                            DoublePredicate met) {
        rows.append("| ").append(server).append(" | ").append(scenario).append(" | ").append(name)
                .append(" | ").append(Double.isNaN(ratio) ? "–" : String.format(Locale.ROOT, "%.2f", ratio))
                .append(" | ").append(Double.isNaN(ratio) ? "–" : met.test(ratio) ? "yes" : "**no**").append(" |\n");
    }

    /**
     * Deliveries per second per reading subscriber of a run with stopped readers, as a ratio to the same
     * server's run without them; NaN when either is missing.
     */
    static double healthyRatio(JsonNode slow, JsonNode noSlow) {
        if (noSlow == null) {
            return Double.NaN;
        }
        double a = perReader(slow);
        double b = perReader(noSlow);
        return Double.isNaN(a) || Double.isNaN(b) || b == 0 ? Double.NaN : a / b;
    }

    /**
     * Heap after the drain of a run with stopped readers ÷ (baseline + their queue bound). The baseline is the
     * heap after the drain of the same server's run without stopped readers, or, without that run, this run's
     * heap before publishing. NaN when a figure is missing.
     */
    static double heapRatio(JsonNode slow, JsonNode noSlow) {
        JsonNode base = noSlow != null && noSlow.path("heapAfterDrainBytes").isNumber()
                ? noSlow.path("heapAfterDrainBytes") : slow.path("heapBeforePublishBytes");
        if (!slow.path("heapAfterDrainBytes").isNumber() || !base.isNumber() || !slow.path("queueBoundBytes").isNumber()) {
            return Double.NaN;
        }
        return slow.path("heapAfterDrainBytes").asDouble() / (base.asDouble() + slow.path("queueBoundBytes").asDouble());
    }

    private static double perReader(JsonNode r) {
        long readers = r.path("subscribed").asLong() - Math.max(0, r.path("stoppedReaders").asLong())
                - Math.max(0, r.path("disconnected").asLong());
        if (!r.path("deliveriesPerSecond").isNumber() || readers <= 0) {
            return Double.NaN;
        }
        return r.path("deliveriesPerSecond").asDouble() / readers;
    }

    /**
     * One row per server: with repeated runs ({@code REPEAT} in fanout.sh) the median run by the figure the
     * scenario is about (deliveries per server CPU-second, p99 at the fixed rate, deliveries with stopped
     * readers, heap per idle connection), so that one disturbed run on a shared machine does not decide a
     * ratio. The row says how many runs it is the median of.
     */
    static List<JsonNode> medianPerServer(String scenario, List<JsonNode> rows) {
        String key = ConnectionReport.isConnectionScenario(scenario) ? ConnectionReport.rankedBy(scenario)
                : scenario.startsWith("half-") ? "latencyP99Us"
                : scenario.startsWith("slow-") ? "deliveriesPerSecond"
                : scenario.startsWith("idle-") ? "heapPerConnectionBytes"
                : "deliveriesPerServerCpuSecond";
        Map<String, List<JsonNode>> byServer = new LinkedHashMap<>();
        for (JsonNode r : rows) {
            byServer.computeIfAbsent(r.path("server").asString(), k -> new ArrayList<>()).add(r);
        }
        List<JsonNode> out = new ArrayList<>();
        for (List<JsonNode> runs : byServer.values()) {
            List<JsonNode> sorted = new ArrayList<>(runs);
            sorted.sort(Comparator.comparingDouble(r -> r.path(key).asDouble(Double.NaN)));
            ObjectNode median = ((ObjectNode) sorted.get((sorted.size() - 1) / 2)).deepCopy();
            median.put("runs", runs.size());
            out.add(median);
        }
        return out;
    }

    private static void tables(Map<String, List<JsonNode>> byScenario, Map<String, List<JsonNode>> allRuns, StringBuilder b) {
        for (Map.Entry<String, List<JsonNode>> e : byScenario.entrySet()) {
            List<JsonNode> rows = e.getValue();
            JsonNode first = rows.get(0);
            JsonNode ceiling = find(rows, CEILING);
            JsonNode floor = find(rows, FLOOR);
            b.append("\n### ").append(e.getKey());
            int runs = first.path("runs").asInt(1);
            if (runs > 1) {
                b.append(" (median of ").append(runs).append(" runs per server)");
            }
            b.append(": ");
            if (ConnectionReport.isConnectionScenario(e.getKey())) {
                ConnectionReport.table(e.getKey(), rows, b);
                continue;
            }
            if ("idle".equals(first.path("mode").asString())) {
                b.append(first.path("subscribersRequested").asLong()).append(" idle subscribed connections\n\n");
                b.append("| server | subscribed | heap/conn (B) | RSS/conn (B) | heap ×bare | RSS ×bare |\n");
                b.append("|---|---:|---:|---:|---:|---:|\n");
                for (JsonNode r : rows) {
                    b.append("| ").append(r.path("server").asString()).append(" | ")
                            .append(num(r, "subscribed")).append(" | ")
                            .append(num(r, "heapPerConnectionBytes")).append(" | ")
                            .append(num(r, "rssPerConnectionBytes")).append(" | ")
                            .append(ratio(r, ceiling, "heapPerConnectionBytes")).append(" | ")
                            .append(ratio(r, ceiling, "rssPerConnectionBytes")).append(" |\n");
                }
                continue;
            }
            b.append(first.path("subscribersRequested").asLong()).append(" subscribers, ")
                    .append(first.path("publishers").asLong()).append(" publishers, ")
                    .append(first.path("payloadBytes").asLong()).append(" B, ")
                    .append("rate".equals(first.path("mode").asString())
                            ? "fixed rate " + num(first, "targetRate") + " msg/s" : "saturation")
                    .append(first.path("stoppedReaders").asLong() > 0
                            ? ", " + first.path("stoppedReaders").asLong() + " subscribers not reading" : "")
                    .append("\n\n");
            boolean slow = e.getKey().startsWith("slow-");
            boolean redis = e.getKey().startsWith("redis-");
            JsonNode oneHub = find(rows, ONE_HUB);
            List<JsonNode> noSlowRows = slow ? byScenario.getOrDefault(referenceOf(e.getKey(), byScenario), List.of()) : List.of();
            b.append("| server | deliveries/s | publishes/s | server CPU-s per M deliveries | deliveries per server CPU-s "
                    + "| ×bare | ×handwritten | alloc B/delivery | alloc ×bare "
                    + "| p50 µs | p99 µs | p99.9 µs | p99 ×bare | lost | disconnected | loadgen CPU | CPU wait srv/lg | srv CPU-s JIT / GC |"
                    + (slow ? " healthy ×no-slow | heap after drain (B) | no-slow heap after drain (B) | queue bound (B) | heap ÷ (baseline + bound) |" : "")
                    + (redis ? " processes | ×1 hub | Redis CPU-s |" : "") + "\n");
            b.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
                    .append(slow ? "---:|---:|---:|---:|---:|" : "").append(redis ? "---:|---:|---:|" : "").append("\n");
            for (JsonNode r : rows) {
                b.append("| ").append(r.path("server").asString()).append(" | ")
                        .append(num(r, "deliveriesPerSecond")).append(" | ")
                        .append(num(r, "publishRate")).append(" | ")
                        .append(num(r, "serverCpuSecondsPerMillionDeliveries")).append(" | ")
                        .append(num(r, "deliveriesPerServerCpuSecond")).append(" | ")
                        .append(ratio(r, ceiling, "deliveriesPerServerCpuSecond")).append(" | ")
                        .append(ratio(r, floor, "deliveriesPerServerCpuSecond")).append(" | ")
                        .append(num(r, "serverAllocatedBytesPerDelivery")).append(" | ")
                        .append(ratio(r, ceiling, "serverAllocatedBytesPerDelivery")).append(" | ")
                        .append(num(r, "latencyP50Us")).append(" | ")
                        .append(num(r, "latencyP99Us")).append(" | ")
                        .append(num(r, "latencyP999Us")).append(" | ")
                        .append(ratio(r, ceiling, "latencyP99Us")).append(" | ")
                        .append(num(r, "lost")).append(" | ")
                        .append(num(r, "disconnected")).append(" | ")
                        .append(num(r, "loadgenCpuShare")).append(" | ")
                        .append(num(r, "serverRunQueueWaitShare")).append(" / ")
                        .append(num(r, "loadgenRunQueueWaitShare")).append(" | ")
                        .append(num(r, "serverJitCpuSeconds")).append(" / ")
                        .append(num(r, "serverGcCpuSeconds")).append(" |");
                if (slow) {
                    JsonNode noSlow = find(noSlowRows, r.path("server").asString());
                    b.append(' ').append(fixed(pairedHealthyRatio(r.path("server").asString(), e.getKey(), allRuns, r, noSlow))).append(" | ")
                            .append(num(r, "heapAfterDrainBytes")).append(" | ")
                            .append(noSlow == null ? "–" : num(noSlow, "heapAfterDrainBytes")).append(" | ")
                            .append(num(r, "queueBoundBytes")).append(" | ")
                            .append(fixed(heapRatio(r, noSlow))).append(" |");
                }
                if (redis) {
                    b.append(' ').append(num(r, "serverProcesses")).append(" | ")
                            .append(ratio(r, oneHub, "deliveriesPerServerCpuSecond")).append(" | ")
                            .append(num(r, "brokerCpuSeconds")).append(" |");
                }
                b.append('\n');
            }
        }
    }

    static JsonNode find(List<JsonNode> rows, String server) {
        for (JsonNode r : rows) {
            if (server.equals(r.path("server").asString())) {
                return r;
            }
        }
        return null;
    }

    static String num(JsonNode r, String field) {
        JsonNode v = r.path(field);
        if (!v.isNumber()) {
            return "–";
        }
        double d = v.asDouble();
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return String.format(Locale.ROOT, "%,d", (long) d);
        }
        return Math.abs(d) >= 100 ? String.format(Locale.ROOT, "%,.0f", d) : String.format(Locale.ROOT, "%.3g", d);
    }

    static String ratio(JsonNode r, JsonNode base, String field) {
        return fixed(ratioValue(r, base, field));
    }

    private static String fixed(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.2f", v);
    }

    private static double ratioValue(JsonNode r, JsonNode base, String field) {
        if (base == null || !r.path(field).isNumber() || !base.path(field).isNumber()
                || base.path(field).asDouble() == 0) {
            return Double.NaN;
        }
        return r.path(field).asDouble() / base.path(field).asDouble();
    }
}
