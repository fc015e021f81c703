package io.reactivewspool.bench.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/**
 * The smoke scenario of the fan-out benchmark, in-process on loopback port 0 against both baselines, so the
 * harness cannot rot. It asserts correctness only, never timing: every subscriber is subscribed, deliveries
 * are counted, readers that read lose nothing unless the server says it dropped (and then exactly what it
 * dropped), the report carries every field, and no Netty buffer leaks (PARANOID detection in Failsafe).
 */
@Timeout(60)
class FanoutSmokeIT {

    private static final int SUBSCRIBERS = 50;
    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();
    private static final long SELF = ProcessHandle.current().pid();

    @BeforeAll
    static void recordLeaks() {
        ByteBufUtil.setLeakListener((type, records) -> LEAKS.add(type + ": " + records));
    }

    @AfterAll
    static void noBufferLeaked() {
        // Leaks are reported when a collected, unreleased buffer is noticed by a later allocation.
        for (int i = 0; i < 5; i++) {
            System.gc();
            for (int k = 0; k < 100; k++) {
                ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(64);
                b.release();
            }
        }
        assertThat(LEAKS).isEmpty();
    }

    @ParameterizedTest(name = "{0} event loop(s)")
    @ValueSource(ints = {1, 3})
    void bareServerDeliversEveryMessageAtAFixedRate(int eventLoops) throws Exception {
        // With several loops a publish reaches the other loops' subscribers as one task per loop.
        try (FanoutServer server = BareFanoutServer.start("127.0.0.1", 0, "/ws", eventLoops)) {
            FanoutResult r = LoadGenerator.run(config(server, "bare", "rate", "--rate=400"));
            assertDeliveredEverything(r, SUBSCRIBERS);
        }
    }

    @Test
    void handWrittenServerDeliversEveryMessageAtAFixedRate() throws Exception {
        try (FanoutServer server = handWritten()) {
            // One publisher: two could meet in the multicast sink, and a spin that outlasts 100 ms on a busy
            // machine drops a message, which the saturation test below accounts for instead.
            FanoutResult r = LoadGenerator.run(config(server, "handwritten", "rate", "--rate=400", "--publishers=1"));
            assertDeliveredEverything(r, SUBSCRIBERS);
        }
    }

    @Test
    void bareServerLosesExactlyWhatItDropsAtSaturation() throws Exception {
        saturation(this::bare, "bare", 1);
    }

    @Test
    void handWrittenServerLosesExactlyWhatItDropsAtSaturation() throws Exception {
        // The multicast sink drops a publish for every subscriber at once.
        saturation(this::handWritten, "handwritten", SUBSCRIBERS);
    }

    @Test
    void subscribersThatStopReadingAreLeftOutOfTheAccounting() throws Exception {
        try (FanoutServer server = bare()) {
            FanoutResult r = LoadGenerator.run(config(server, "bare", "slow",
                    "--rate=400", "--stop-reading-fraction=0.1", "--heap-check", "--queue-size=16"));
            assertThat(r.getLong("stoppedReaders")).isEqualTo(5);
            assertDeliveredEverything(r, SUBSCRIBERS - 5);
            // the envelope of a 64 B data value, as delivered
            assertThat(r.getLong("deliveryFrameBytes")).isGreaterThan(64);
            assertThat(r.getLong("heapBeforePublishBytes")).isPositive();
            assertThat(r.getLong("heapAfterDrainBytes")).isPositive();
            assertThat(r.getLong("queueBoundBytes")).isEqualTo(16L * r.getLong("deliveryFrameBytes") * 5);
        }
    }

    @Test
    void idleModeReportsHeapAndRssPerConnection() throws Exception {
        try (FanoutServer server = bare()) {
            FanoutResult r = LoadGenerator.run(FanoutConfig.parse("--server=bare", "--scenario=idle",
                    "--port=" + server.port(), "--subscribers=" + SUBSCRIBERS, "--idle", "--idle-wait=200ms",
                    "--source-addresses=3", "--server-pid=" + SELF));
            assertThat(r.getLong("subscribed")).isEqualTo(SUBSCRIBERS);
            assertThat(r.getLong("rssBeforeBytes")).isPositive();
            assertThat(r.getLong("rssAfterBytes")).isPositive();
            assertThat(r.get("rssPerConnectionBytes")).isNotNull();
            // jcmd attaches to this very JVM; the heap figures are there whenever a JDK's jcmd is.
            if (jcmdOnPath()) {
                assertThat(r.getLong("heapBeforeBytes")).isPositive();
                assertThat(r.get("heapPerConnectionBytes")).isNotNull();
            }
            assertEveryField(r);
        }
    }

    @Test
    void churnCompletesWholeCyclesAndLeavesNoConnectionBehind() throws Exception {
        try (FanoutServer server = bare()) {
            FanoutResult r = ChurnRun.run(FanoutConfig.parse("--server=bare", "--scenario=churn-8",
                    "--port=" + server.port(), "--churn", "--connect-concurrency=8", "--warmup=300ms",
                    "--duration=700ms", "--connect-timeout=10s", "--source-addresses=3", "--server-pid=" + SELF));
            assertThat(r.getLong("cycles")).isPositive();
            assertThat(r.getLong("failedCycles")).as("first error: %s", r.get("firstError")).isZero();
            assertThat(r.get("drained")).isEqualTo(true);
            assertThat(r.get("cycleP99Ms")).isNotNull();
            assertThat(r.get("serverCpuMsPerCycle")).isNotNull();
            assertThat(r.toHuman()).contains("cycles");
            assertEveryField(r);
        }
    }

    private void saturation(Supplier<FanoutServer> start, String name, int lostPerDrop) throws Exception {
        FanoutResult r;
        long dropped;
        try (FanoutServer server = start.get()) {
            r = LoadGenerator.run(config(server, name, "saturation"));
            server.close(); // makes the drop counter exact
            dropped = server.dropped();
        }
        assertThat(r.getLong("subscribed")).isEqualTo(SUBSCRIBERS);
        assertThat(r.getLong("deliveries")).isPositive();
        assertThat(r.getLong("outOfOrder")).isZero();
        assertThat(r.getLong("disconnected")).isZero();
        assertThat(r.getLong("lost")).isEqualTo(dropped * lostPerDrop);
        assertEveryField(r);
    }

    private static void assertDeliveredEverything(FanoutResult r, int readers) {
        assertThat(r.getLong("subscribed")).isEqualTo(SUBSCRIBERS);
        assertThat(r.getLong("subscribeFailures")).isZero();
        assertThat(r.getLong("published")).isPositive();
        assertThat(r.getLong("deliveries")).isPositive();
        assertThat(r.getLong("latencySamples")).isEqualTo(r.getLong("deliveries"));
        assertThat(r.getLong("expectedDeliveries")).isEqualTo(r.getLong("published") * readers);
        assertThat(r.getLong("lost")).isZero();
        assertThat(r.getLong("outOfOrder")).isZero();
        assertThat(r.getLong("disconnected")).isZero();
        assertThat(r.get("latencyP50Us")).isNotNull();
        assertThat(r.get("latencyP999Us")).isNotNull();
        assertThat(r.get("serverCpuSecondsPerMillionDeliveries")).isNotNull();
        // this JVM's own counters (the server runs in the test's JVM): a positive figure, whatever it includes
        assertThat(r.getLong("serverAllocatedBytes")).isPositive();
        assertThat((Double) r.get("serverAllocatedBytesPerDelivery")).isPositive();
        assertEveryField(r);
    }

    private static void assertEveryField(FanoutResult r) {
        JsonNode json = Protocol.MAPPER.readTree(r.toJson());
        assertThat(json.propertyNames()).containsExactlyElementsOf(FanoutResult.FIELDS);
        assertThat(r.toHuman()).contains((String) r.get("server"));
    }

    private static FanoutConfig config(FanoutServer server, String name, String scenario, String... extra) {
        List<String> args = new ArrayList<>(List.of("--server=" + name, "--scenario=" + scenario,
                "--port=" + server.port(), "--subscribers=" + SUBSCRIBERS, "--publishers=2",
                "--warmup=500ms", "--duration=1s", "--drain=5s", "--source-addresses=3", "--server-pid=" + SELF));
        args.addAll(List.of(extra));
        return FanoutConfig.parse(args.toArray(String[]::new));
    }

    private static boolean jcmdOnPath() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, "jcmd"))) {
                return true;
            }
        }
        return false;
    }

    private FanoutServer bare() {
        try {
            return BareFanoutServer.start("127.0.0.1", 0, "/ws", 1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private FanoutServer handWritten() {
        return HandWrittenBroadcastServer.start("127.0.0.1", 0, "/ws");
    }
}
