package io.reactivewspool.bench.fanout;

import static io.reactivewspool.bench.fanout.FanoutReport.find;
import static io.reactivewspool.bench.fanout.FanoutReport.num;
import static io.reactivewspool.bench.fanout.FanoutReport.ratio;

import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * The tables of the connection scenarios, beside the Node {@code ws} server of the same run: {@code churn-…}
 * ({@link ChurnRun}: whole connect … close cycles per second) and {@code storm-…} (every client connecting
 * and subscribing at once to a server just started: the seconds until all are subscribed).
 */
final class ConnectionReport {

    /** The Node {@code ws} server: the reference of the connection scenarios. */
    static final String NODE_WS = "ws-node";

    private ConnectionReport() {
    }

    static boolean isConnectionScenario(String scenario) {
        return scenario.startsWith("churn-") || scenario.startsWith("storm-");
    }

    /** The figure a server's repeated runs are ranked by to keep the median one. */
    static String rankedBy(String scenario) {
        return scenario.startsWith("churn-") ? "cyclesPerSecond" : "connectSeconds";
    }

    static void table(String scenario, List<JsonNode> rows, StringBuilder b) {
        JsonNode node = find(rows, NODE_WS);
        JsonNode first = rows.get(0);
        if (scenario.startsWith("churn-")) {
            b.append(first.path("concurrency").asLong())
                    .append(" clients at a time: connect, upgrade, welcome, subscribe, close\n\n")
                    .append("| server | cycles/s | ×ws-node | failed | cycle p50 ms | cycle p99 ms | server CPU-ms per cycle | CPU ×ws-node |\n")
                    .append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
            for (JsonNode r : rows) {
                b.append("| ").append(r.path("server").asString()).append(" | ")
                        .append(num(r, "cyclesPerSecond")).append(" | ")
                        .append(ratio(r, node, "cyclesPerSecond")).append(" | ")
                        .append(num(r, "failedCycles")).append(" | ")
                        .append(num(r, "cycleP50Ms")).append(" | ")
                        .append(num(r, "cycleP99Ms")).append(" | ")
                        .append(num(r, "serverCpuMsPerCycle")).append(" | ")
                        .append(ratio(r, node, "serverCpuMsPerCycle")).append(" |\n");
            }
            return;
        }
        b.append(first.path("subscribersRequested").asLong())
                .append(" clients connecting and subscribing at once to a server just started\n\n")
                .append("| server | subscribed | failed | seconds until all subscribed | ×ws-node | RSS/conn (B) |\n")
                .append("|---|---:|---:|---:|---:|---:|\n");
        for (JsonNode r : rows) {
            b.append("| ").append(r.path("server").asString()).append(" | ")
                    .append(num(r, "subscribed")).append(" | ")
                    .append(num(r, "subscribeFailures")).append(" | ")
                    .append(num(r, "connectSeconds")).append(" | ")
                    .append(ratio(r, node, "connectSeconds")).append(" | ")
                    .append(num(r, "rssPerConnectionBytes")).append(" |\n");
        }
    }
}
