package io.reactivewspool.bench.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

/**
 * {@code benchmarks/fanout.sh smoke} as a user runs it, so that the script and the scenarios that need
 * several processes cannot rot: the library's standalone server jar with readers that stop (heap after a full GC
 * before publishing and after the drain), and two library processes sharing the topic through a
 * redis-server the script starts, against one process; allocation per delivery attached to every server
 * process. It asserts what the harness measured exists and adds up, never how fast anything was.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class FanoutScriptSmokeIT {

    private static final int SUBSCRIBERS = 20;

    @Test
    void smokeModeRunsEveryScenarioKindAndReportsTheRatios() throws Exception {
        Path libJar = Path.of("..", "samples", "standalone-server", "target", "standalone-server.jar");
        assertThat(libJar).as("the standalone server's jar (built before this module)").exists();
        Path out = Files.createTempDirectory(Path.of("target"), "fanout-smoke-");
        ProcessBuilder pb = new ProcessBuilder("bash", "fanout.sh", "smoke")
                .redirectErrorStream(true).redirectOutput(out.resolve("console.log").toFile());
        pb.environment().put("OUT_DIR", out.toAbsolutePath().toString());
        pb.environment().put("PORT_BASE", Integer.toString(freePortBase()));
        pb.environment().put("SERVER_JVM_OPTS", "-Xmx256m");
        pb.environment().put("LOADGEN_JVM_OPTS", "-Xmx256m");
        Process script = pb.start();
        try {
            assertThat(script.waitFor(170, TimeUnit.SECONDS)).as("fanout.sh smoke finished").isTrue();
        } finally {
            script.descendants().forEach(ProcessHandle::destroyForcibly);
            script.destroyForcibly();
        }
        String console = Files.readString(out.resolve("console.log"), StandardCharsets.UTF_8);
        assertThat(script.exitValue()).as(console).isZero();

        List<JsonNode> runs = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("results.jsonl"), StandardCharsets.UTF_8)) {
            runs.add(Protocol.MAPPER.readTree(line));
        }
        assertThat(runs).as(console).extracting(r -> r.path("server").asString() + "/" + r.path("scenario").asString())
                .containsExactly("library/ref-20-64", "library/slow-20-64", "library/redis-20-64", "library-redis/redis-20-64");
        for (JsonNode r : runs) {
            assertThat(r.path("subscribed").asInt()).as(r.toString()).isEqualTo(SUBSCRIBERS);
            assertThat(r.path("deliveries").asLong()).as(r.toString()).isPositive();
            // attached to the server process(es) through the JDK attach API
            assertThat(r.path("serverAllocatedBytesPerDelivery").asDouble()).as(r.toString()).isPositive();
            assertThat(r.path("serverCpuSeconds").isNumber()).as(r.toString()).isTrue();
        }

        JsonNode slow = runs.get(1);
        assertThat(slow.path("stoppedReaders").asInt()).isEqualTo(2);
        assertThat(slow.path("heapBeforePublishBytes").asLong()).isPositive();
        assertThat(slow.path("heapAfterDrainBytes").asLong()).isPositive();
        assertThat(slow.path("queueBoundBytes").asLong()).isEqualTo(1024L * slow.path("deliveryFrameBytes").asLong() * 2);

        JsonNode oneHub = runs.get(2);
        JsonNode twoHubs = runs.get(3);
        assertThat(oneHub.path("serverProcesses").asInt()).isEqualTo(1);
        assertThat(twoHubs.path("serverProcesses").asInt()).isEqualTo(2);
        assertThat(twoHubs.path("brokerCpuSeconds").isNumber()).isTrue();
        // Half of the subscribers are on the second process, which only Redis feeds: had it delivered
        // nothing, at least half of the expected deliveries would be lost.
        assertThat(twoHubs.path("lost").asLong()).as(twoHubs.toString())
                .isLessThan(twoHubs.path("expectedDeliveries").asLong() / 2);

        String report = Files.readString(out.resolve("report.md"), StandardCharsets.UTF_8);
        assertThat(report).contains("| library-redis | redis-20-64 | deliveries per server CPU-s ≥ 0.5× one hub |",
                "| library | slow-20-64 | healthy subscribers' deliveries ≥ 0.95× without stopped readers |",
                "alloc B/delivery");
        assertThat(console).doesNotContain("did not listen", "loadgen for", "no allocation figures");
    }

    /** A base port whose next 40 ports are free now (the script uses base + run and base + 1000 + run). */
    private static int freePortBase() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int base = ThreadLocalRandom.current().nextInt(20_000, 28_000);
            if (free(base, 1, 20) && free(base, 1001, 20)) {
                return base;
            }
        }
        throw new IOException("no free port range found");
    }

    private static boolean free(int base, int from, int count) {
        for (int p = base + from; p < base + from + count; p++) {
            try (ServerSocket s = new ServerSocket(p, 1, InetAddress.getLoopbackAddress())) {
                s.setReuseAddress(true);
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }
}
