package io.reactivewspool.bench.fanout;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * One load generator run's settings; {@link #parse(String...)} reads them from {@code --name=value} options.
 *
 * <p>Example: {@code LoadGenerator.run(FanoutConfig.parse("--port=8080", "--subscribers=1000", "--rate=5000"))}.
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
 * @param churn run {@link ChurnRun} (connect, welcome, subscribe, close, {@code connectConcurrency} at a
 *              time) instead of a fan-out
 */
public record FanoutConfig(String server, String scenario, String host, List<Integer> ports, String path,
                           int subscribers, int publishers, String topic, int payloadBytes, double rate,
                           int window, Duration warmup, Duration duration, Duration drain,
                           int sourceAddresses, double stopReadingFraction, boolean idle, Duration idleWait,
                           List<Long> serverPids, long brokerPid, boolean heapCheck, int queueSize,
                           int threads, int connectConcurrency, Duration connectTimeout, boolean churn) {

    public FanoutConfig {
        ports = List.copyOf(ports);
        serverPids = List.copyOf(serverPids);
        if (ports.isEmpty() || subscribers < 0 || publishers < 0 || window < 1 || threads < 1 || connectConcurrency < 1
                || sourceAddresses < 1 || sourceAddresses > 254) {
            throw new IllegalArgumentException("bad load generator configuration: " + this);
        }
        if (payloadBytes < 64 || payloadBytes > LoadGenerator.MAX_FRAME / 2) {
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
    public static FanoutConfig parse(String... args) {
        Options o = new Options(args, 0);
        FanoutConfig c = new FanoutConfig(
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
                o.duration("connect-timeout", Duration.ofSeconds(120)),
                o.flag("churn"));
        o.rejectUnknown();
        return c;
    }

    /** One line naming the server, the scenario, the connections, the payload and the mode. */
    String describe() {
        return String.format(Locale.ROOT, "%s %s: %d subscribers, %d publishers, %d B, %s",
                server, scenario, subscribers, publishers, payloadBytes,
                churn ? "churn, " + connectConcurrency + " at a time" : idle ? "idle" : rate > 0 ? rate + " msg/s" : "saturation");
    }
}
