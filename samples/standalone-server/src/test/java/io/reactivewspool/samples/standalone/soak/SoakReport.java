package io.reactivewspool.samples.standalone.soak;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a soak run measured, and whether it passed.
 *
 * @param duration             load time, warm-up included
 * @param connectionsServed    subscriber connections opened by the churn (server-side total in {@code serverTotalConnections})
 * @param serverTotalConnections the server's {@code total_connections} at the end
 * @param published            sequence-numbered messages acknowledged by the server (client publishes and admin broadcasts)
 * @param delivered            topic messages received by churning subscribers
 * @param lost                 messages a subscriber was owed (sent after its subscription was confirmed, acknowledged before it left) and never got
 * @param disordered           messages received out of order or twice
 * @param visitsChecked        subscriber visits whose deliveries were checked for loss
 * @param overflowed           subscribers closed with 4001 (queue overflow: delivery is not owed to them)
 * @param requestsOk           pool requests answered
 * @param errors               failures by kind (connects, requests, publishes, unexpected closes)
 * @param start                server memory after the warm-up, after a full GC
 * @param end                  server memory after the load, every client gone, after a full GC
 * @param heapGrowthBoundKib   the largest heap growth allowed
 * @param serverLogErrors      ERROR lines in the server's log
 * @param serverExit           the server's exit status after SIGTERM: 143 (terminated by the signal, after its
 *                             shutdown hook closed every connection) or 0; -1 when it did not exit within a minute
 */
public record SoakReport(Duration duration, long connectionsServed, long serverTotalConnections, long published,
                         long delivered, long lost, long disordered, long visitsChecked, long overflowed,
                         long requestsOk, Map<String, Long> errors, ServerProcess.Memory start,
                         ServerProcess.Memory end, long heapGrowthBoundKib, long serverLogErrors, int serverExit) {

    public long errorCount() {
        return errors.values().stream().mapToLong(Long::longValue).sum();
    }

    public long heapGrowthKib() {
        return end.heapUsedKib() - start.heapUsedKib();
    }

    /** Why the run failed; empty when it passed. */
    public List<String> problems() {
        List<String> p = new ArrayList<>();
        if (lost > 0) {
            p.add(lost + " message(s) lost");
        }
        if (disordered > 0) {
            p.add(disordered + " message(s) out of order or duplicated");
        }
        if (errorCount() > 0) {
            p.add(errorCount() + " error(s): " + errors);
        }
        if (heapGrowthKib() > heapGrowthBoundKib) {
            p.add("heap after full GC grew by " + mib(heapGrowthKib()) + ", more than the bound " + mib(heapGrowthBoundKib));
        }
        if (connectionsServed == 0 || delivered == 0 || visitsChecked == 0 || requestsOk == 0) {
            p.add("the soak did not exercise the server (connections " + connectionsServed + ", delivered " + delivered
                    + ", visits checked " + visitsChecked + ", requests " + requestsOk + ")");
        }
        if (serverLogErrors > 0) {
            p.add(serverLogErrors + " ERROR line(s) in the server log");
        }
        if (serverExit != 0 && serverExit != 143) {
            p.add(serverExit == -1 ? "server did not exit within a minute of SIGTERM" : "server exited with " + serverExit + " after SIGTERM");
        }
        return p;
    }

    public boolean passed() {
        return problems().isEmpty();
    }

    public String format() {
        StringBuilder b = new StringBuilder();
        b.append("soak report (").append(duration.toSeconds()).append(" s of load)\n");
        b.append(String.format("  connections served    %,d churn (server total_connections %,d)%n", connectionsServed, serverTotalConnections));
        b.append(String.format("  messages published    %,d (sequence-numbered, acknowledged)%n", published));
        b.append(String.format("  messages delivered    %,d to churning subscribers (%,d visits checked, %,d overflowed)%n",
                delivered, visitsChecked, overflowed));
        b.append(String.format("  messages lost         %,d (disordered or duplicated %,d)%n", lost, disordered));
        b.append(String.format("  pool requests ok      %,d%n", requestsOk));
        b.append(String.format("  errors                %,d %s%n", errorCount(), errors.isEmpty() ? "" : errors));
        b.append(String.format("  server heap after GC  start %s, end %s, growth %s (bound %s)%n", mib(start.heapUsedKib()),
                mib(end.heapUsedKib()), mib(heapGrowthKib()), mib(heapGrowthBoundKib)));
        b.append(String.format("  server RSS            start %s, end %s%n", start.rssKib() < 0 ? "n/a" : mib(start.rssKib()),
                end.rssKib() < 0 ? "n/a" : mib(end.rssKib())));
        b.append(String.format("  server log            %,d ERROR line(s)%n", serverLogErrors));
        b.append(String.format("  server exit           %d after SIGTERM%n", serverExit));
        List<String> p = problems();
        b.append(p.isEmpty() ? "PASS\n" : "FAIL: " + String.join("; ", p) + "\n");
        return b.toString();
    }

    private static String mib(long kib) {
        return String.format("%.1f MiB", kib / 1024.0);
    }
}
