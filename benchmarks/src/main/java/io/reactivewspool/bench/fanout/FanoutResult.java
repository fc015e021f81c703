package io.reactivewspool.bench.fanout;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The figures of one load-generator run, in a fixed field order: a human-readable block and one JSON line.
 * Every field in {@link #FIELDS} is always present; a figure that does not apply to the run's mode (latency
 * in an idle run, heap per connection in a throughput run) is JSON {@code null}.
 */
public final class FanoutResult {

    /** Every field of the report, in output order. */
    public static final List<String> FIELDS = List.of(
            "server", "scenario", "mode", "transport", "serverProcesses",
            "subscribersRequested", "subscribed", "subscribeFailures", "connectSeconds",
            "publishers", "payloadBytes", "targetRate", "window", "windowSeconds",
            "published", "publishRate", "deliveries", "deliveriesPerSecond",
            "serverCpuSeconds", "serverCpuSecondsPerMillionDeliveries", "deliveriesPerServerCpuSecond",
            "serverJitCpuSeconds", "serverGcCpuSeconds", "serverAllocatedBytes", "serverAllocatedBytesPerDelivery", "brokerCpuSeconds",
            "loadgenCpuShare", "serverRunQueueWaitShare", "loadgenRunQueueWaitShare",
            "latencyP50Us", "latencyP99Us", "latencyP999Us", "latencyMaxUs", "latencySamples",
            "expectedDeliveries", "lost", "outOfOrder", "unexpectedFrames", "stoppedReaders", "disconnected", "publisherProbes",
            "heapBeforeBytes", "heapAfterBytes", "rssBeforeBytes", "rssAfterBytes",
            "heapPerConnectionBytes", "rssPerConnectionBytes",
            "heapBeforePublishBytes", "heapAfterDrainBytes", "deliveryFrameBytes", "queueBoundBytes",
            "concurrency", "cycles", "cyclesPerSecond", "failedCycles", "totalCycles", "serverCpuMsPerCycle",
            "cycleP50Ms", "cycleP99Ms", "cycleMaxMs", "drained", "firstError");

    private final Map<String, Object> values = new LinkedHashMap<>();

    FanoutResult() {
        for (String f : FIELDS) {
            values.put(f, null);
        }
    }

    FanoutResult put(String field, Object value) {
        if (!values.containsKey(field)) {
            throw new IllegalArgumentException("unknown result field " + field);
        }
        values.put(field, value);
        return this;
    }

    /** The value of a field, or null when it does not apply. */
    public Object get(String field) {
        return values.get(field);
    }

    /** A numeric field as a long; -1 when it is null. */
    public long getLong(String field) {
        Object v = values.get(field);
        return v == null ? -1 : ((Number) v).longValue();
    }

    public Map<String, Object> asMap() {
        return Collections.unmodifiableMap(values);
    }

    /** One JSON object on one line. */
    public String toJson() {
        return Protocol.MAPPER.writeValueAsString(values);
    }

    /** A short block for a human reading the console. */
    public String toHuman() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "== %s / %s (%s) ==%n", get("server"), get("scenario"), get("mode")));
        if ("churn".equals(get("mode"))) {
            b.append(String.format(Locale.ROOT, "  cycles        %s in %s s = %s /s, %s failed (first error: %s), %s at a time%n",
                    get("cycles"), get("windowSeconds"), get("cyclesPerSecond"), get("failedCycles"), get("firstError"),
                    get("concurrency")));
            b.append(String.format(Locale.ROOT, "  cycle ms      p50 %s  p99 %s  max %s%n",
                    get("cycleP50Ms"), get("cycleP99Ms"), get("cycleMaxMs")));
            b.append(String.format(Locale.ROOT, "  server CPU    %s s = %s ms per cycle%n",
                    get("serverCpuSeconds"), get("serverCpuMsPerCycle")));
            return b.toString();
        }
        b.append(String.format(Locale.ROOT, "  connections   %s/%s subscribed, %s failed, in %s s%n",
                get("subscribed"), get("subscribersRequested"), get("subscribeFailures"), get("connectSeconds")));
        if ("idle".equals(get("mode"))) {
            b.append(String.format(Locale.ROOT, "  server heap   %s -> %s bytes: %s bytes per connection%n",
                    get("heapBeforeBytes"), get("heapAfterBytes"), get("heapPerConnectionBytes")));
            b.append(String.format(Locale.ROOT, "  server RSS    %s -> %s bytes: %s bytes per connection%n",
                    get("rssBeforeBytes"), get("rssAfterBytes"), get("rssPerConnectionBytes")));
            return b.toString();
        }
        b.append(String.format(Locale.ROOT, "  publish       %s publishers x %s B, target %s msg/s, achieved %s msg/s%n",
                get("publishers"), get("payloadBytes"), get("targetRate"), get("publishRate")));
        b.append(String.format(Locale.ROOT, "  deliveries    %s in %s s = %s /s%n",
                get("deliveries"), get("windowSeconds"), get("deliveriesPerSecond")));
        b.append(String.format(Locale.ROOT, "  server CPU    %s s = %s CPU-s per million deliveries = %s deliveries per CPU-s%n",
                get("serverCpuSeconds"), get("serverCpuSecondsPerMillionDeliveries"),
                get("deliveriesPerServerCpuSecond")));
        b.append(String.format(Locale.ROOT, "  of which      JIT compiler threads %s s, GC threads %s s%n",
                get("serverJitCpuSeconds"), get("serverGcCpuSeconds")));
        b.append(String.format(Locale.ROOT, "  server alloc  %s bytes = %s bytes per delivery%n",
                get("serverAllocatedBytes"), get("serverAllocatedBytesPerDelivery")));
        if (get("brokerCpuSeconds") != null) {
            b.append(String.format(Locale.ROOT, "  broker CPU    %s s%n", get("brokerCpuSeconds")));
        }
        b.append(String.format(Locale.ROOT, "  loadgen CPU   %s of one core%n", get("loadgenCpuShare")));
        b.append(String.format(Locale.ROOT, "  CPU wait      server %s, loadgen %s of the window runnable but not running%n",
                get("serverRunQueueWaitShare"), get("loadgenRunQueueWaitShare")));
        b.append(String.format(Locale.ROOT, "  latency us    p50 %s  p99 %s  p99.9 %s  max %s  (%s samples)%n",
                get("latencyP50Us"), get("latencyP99Us"), get("latencyP999Us"), get("latencyMaxUs"),
                get("latencySamples")));
        b.append(String.format(Locale.ROOT, "  loss          %s lost of %s expected, %s out of order, %s unexpected frames, %s stopped readers, %s disconnected%n",
                get("lost"), get("expectedDeliveries"), get("outOfOrder"), get("unexpectedFrames"), get("stoppedReaders"), get("disconnected")));
        b.append(String.format(Locale.ROOT, "  stalls        %s messages sent past a window blocked for %d ms%n",
                get("publisherProbes"), LoadPublisher.STALL_PROBE_MILLIS));
        if (get("heapAfterDrainBytes") != null) {
            b.append(String.format(Locale.ROOT, "  server heap   %s bytes before publishing, %s after the drain; bound of the stopped readers' queues %s bytes (%s B frames)%n",
                    get("heapBeforePublishBytes"), get("heapAfterDrainBytes"), get("queueBoundBytes"), get("deliveryFrameBytes")));
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return toJson();
    }

    /** {@code v} rounded to {@code decimals} decimal places, as a figure of the report. */
    static double round(double v, int decimals) {
        double scale = Math.pow(10, decimals);
        return Math.round(v * scale) / scale;
    }
}
