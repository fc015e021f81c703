package io.reactivewspool.bench.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FanoutReportTest {

    private static String line(String server, String scenario, String mode, double perCpu, double p99, Long heap) {
        return new FanoutResult().put("server", server).put("scenario", scenario).put("mode", mode)
                .put("subscribersRequested", 1000).put("publishers", 2).put("payloadBytes", 64)
                .put("deliveriesPerServerCpuSecond", perCpu).put("latencyP99Us", p99)
                .put("heapPerConnectionBytes", heap).toJson();
    }

    @Test
    void ratiosAreToTheBaselinesOfTheSameScenario() {
        String md = FanoutReport.markdown(List.of(
                line("bare", "sat-1k-64", "saturation", 1_000_000, 900, null),
                line("handwritten", "sat-1k-64", "saturation", 200_000, 5000, null),
                line("library", "sat-1k-64", "saturation", 850_000, 1000, null),
                line("bare", "idle-1k", "idle", 0, 0, 2000L),
                line("library", "idle-1k", "idle", 0, 0, 3000L)));

        assertThat(md).contains("| library | sat-1k-64 | deliveries per server CPU-s ≥ 0.8× bare | 0.85 | yes |");
        assertThat(md).contains("| library | sat-1k-64 | deliveries per server CPU-s ≥ 3× handwritten | 4.25 | yes |");
        assertThat(md).contains("| library | idle-1k | heap per idle connection ≤ 1.3× bare | 1.50 | **no** |");
        assertThat(md).contains("| handwritten | sat-1k-64 | deliveries per server CPU-s ≥ 0.8× bare | 0.20 | **no** |");
    }

    @Test
    void repeatedRunsAreReducedToTheMedianRunPerServer() {
        String md = FanoutReport.markdown(List.of(
                line("bare", "sat-1k-64", "saturation", 1_000_000, 900, null),
                line("library", "sat-1k-64", "saturation", 500_000, 1000, null),
                line("bare", "sat-1k-64", "saturation", 1_100_000, 950, null),
                line("library", "sat-1k-64", "saturation", 900_000, 1000, null),
                line("bare", "sat-1k-64", "saturation", 300_000, 1000, null),
                line("library", "sat-1k-64", "saturation", 850_000, 1000, null)));

        assertThat(md).contains("### sat-1k-64 (median of 3 runs per server)");
        // medians: bare 1,000,000 and library 850,000 deliveries per server CPU-s
        assertThat(md).contains("| library | sat-1k-64 | deliveries per server CPU-s ≥ 0.8× bare | 0.85 | yes |");
    }

    private static FanoutResult run(String server, String scenario, double deliveriesPerSecond, double perCpu) {
        return new FanoutResult().put("server", server).put("scenario", scenario).put("mode", "saturation")
                .put("subscribersRequested", 100).put("subscribed", 100).put("publishers", 2).put("payloadBytes", 64)
                .put("stoppedReaders", 0).put("disconnected", 0)
                .put("deliveriesPerSecond", deliveriesPerSecond).put("deliveriesPerServerCpuSecond", perCpu);
    }

    @Test
    void allocationPerDeliveryIsComparedWithTheCeiling() {
        String md = FanoutReport.markdown(List.of(
                run("bare", "sat-1k-64", 1e6, 1e6).put("serverAllocatedBytesPerDelivery", 20.0).toJson(),
                run("library", "sat-1k-64", 1e6, 1e6).put("serverAllocatedBytesPerDelivery", 30.0).toJson()));

        assertThat(md).contains("| library | sat-1k-64 | bytes allocated per delivery ≤ 1.2× bare | 1.50 | **no** |");
        assertThat(md).contains("| bare | 1,000,000 | – | – | 1,000,000 | 1.00 | – | 20 | 1.00 |");
    }

    @Test
    void stoppedReadersAreComparedWithTheSameServersRunWithoutThem() {
        // 90 healthy readers at 0.9 M/s against 100 at 1 M/s: the same 10,000 per reader and second
        String md = FanoutReport.markdown(List.of(
                run("library", "sat-1k-64", 1e6, 1e6).put("heapAfterDrainBytes", 10_000_000L).toJson(),
                run("library", "slow-1k-64", 0.9e6, 1e6).put("stoppedReaders", 10).put("heapBeforePublishBytes", 1L)
                        .put("heapAfterDrainBytes", 12_000_000L).put("queueBoundBytes", 1_000_000L).toJson(),
                run("bare", "slow-1k-64", 0.5e6, 1e6).put("stoppedReaders", 10).toJson()));

        assertThat(md).contains("| library | slow-1k-64 | healthy subscribers' deliveries ≥ 0.95× without stopped readers | 1.00 | yes |");
        // 12 MB against the 10 MB baseline of the run without them + 1 MB of queues
        assertThat(md).contains("| library | slow-1k-64 | heap after the drain ≤ baseline + queue bound × stopped readers | 1.09 | **no** |");
        // no run without stopped readers for bare: no ratio rather than a wrong one
        assertThat(md).contains("| bare | slow-1k-64 | healthy subscribers' deliveries ≥ 0.95× without stopped readers | – | – |");
    }

    @Test
    void stoppedReadersAreComparedRunByRunWithTheReferenceRunJustBeforeEach() {
        // The machine's speed changes between rounds (1, 2, 3 M/s); each slow run keeps 97 % of the
        // per-reader rate of the reference run before it. The sat- run, minutes earlier at 3 M/s, is not used.
        List<String> lines = new ArrayList<>();
        lines.add(run("library", "sat-1k-64", 3e6, 3e6).put("heapAfterDrainBytes", 1L).toJson());
        for (double speed : new double[] {1e6, 2e6, 3e6}) {
            lines.add(run("library", "ref-1k-64", speed, speed).put("heapAfterDrainBytes", 10_000_000L).toJson());
            lines.add(run("library", "slow-1k-64", speed * 0.9 * 0.97, speed).put("stoppedReaders", 10)
                    .put("heapAfterDrainBytes", 10_500_000L).put("queueBoundBytes", 1_000_000L).toJson());
        }
        String md = FanoutReport.markdown(lines);

        assertThat(md).contains("| library | slow-1k-64 | healthy subscribers' deliveries ≥ 0.95× without stopped readers | 0.97 | yes |");
        // the baseline heap is the reference runs' (10 MB), not the sat- run's
        assertThat(md).contains("| library | slow-1k-64 | heap after the drain ≤ baseline + queue bound × stopped readers | 0.95 | yes |");
        assertThat(md).contains("### ref-1k-64 (median of 3 runs per server)");
    }

    @Test
    void twoHubsAreComparedWithOneHubOfTheSameScenario() {
        String md = FanoutReport.markdown(List.of(
                run("library", "redis-1k-64", 1e6, 1e6).put("serverProcesses", 1).toJson(),
                run("library-redis", "redis-1k-64", 1e6, 0.6e6).put("serverProcesses", 2).put("brokerCpuSeconds", 0.5).toJson()));

        assertThat(md).contains("| library-redis | redis-1k-64 | deliveries per server CPU-s ≥ 0.5× one hub | 0.60 | yes |");
        assertThat(md).contains("| 2 | 0.60 | 0.500 |");
    }

    @Test
    void churnIsComparedWithTheNodeWsServerAndStormIsReportedBesideIt() {
        String md = FanoutReport.markdown(List.of(
                new FanoutResult().put("server", "ws-node").put("scenario", "churn-50").put("mode", "churn")
                        .put("concurrency", 50).put("cyclesPerSecond", 1000.0).put("serverCpuMsPerCycle", 0.4).toJson(),
                new FanoutResult().put("server", "library").put("scenario", "churn-50").put("mode", "churn")
                        .put("concurrency", 50).put("cyclesPerSecond", 1100.0).put("serverCpuMsPerCycle", 0.5).toJson(),
                new FanoutResult().put("server", "spring").put("scenario", "churn-50").put("mode", "churn")
                        .put("concurrency", 50).put("cyclesPerSecond", 250.0).put("serverCpuMsPerCycle", 4.0).toJson(),
                new FanoutResult().put("server", "ws-node").put("scenario", "storm-19.5k").put("mode", "idle")
                        .put("subscribersRequested", 19500).put("subscribed", 19500).put("connectSeconds", 4.0).toJson(),
                new FanoutResult().put("server", "library").put("scenario", "storm-19.5k").put("mode", "idle")
                        .put("subscribersRequested", 19500).put("subscribed", 19500).put("connectSeconds", 5.0).toJson()));

        assertThat(md).contains("| library | 1,100 | 1.10 | – |");
        assertThat(md).contains("| library | churn-50 | churn cycles/s ≥ 1.0× ws-node | 1.10 | yes |");
        assertThat(md).contains("| spring | churn-50 | churn cycles/s ≥ 1.0× ws-node | 0.25 | **no** |");
        assertThat(md).doesNotContain("| ws-node | churn-50 | churn");
        assertThat(md).contains("| library | 19,500 | – | 5 | 1.25 | – |");
        assertThat(md).doesNotContain("storm-19.5k | churn");
    }

    @Test
    void theSpringAdapterIsComparedWithTheStandaloneServer() {
        String md = FanoutReport.markdown(List.of(
                run("library", "sat-1k-64", 1e6, 1e6).put("serverCpuSecondsPerMillionDeliveries", 1.0).toJson(),
                run("spring", "sat-1k-64", 1e6, 0.5e6).put("serverCpuSecondsPerMillionDeliveries", 2.0).toJson(),
                line("library", "half-1k-64", "rate", 0, 1000, null),
                line("spring", "half-1k-64", "rate", 0, 1400, null),
                line("library-netty", "idle-19.5k", "idle", 0, 0, 4000L),
                line("spring", "idle-19.5k", "idle", 0, 0, 12000L)));

        assertThat(md).contains("| spring | sat-1k-64 | server CPU per delivery ≤ 1.25× library | 2.00 | **no** |");
        assertThat(md).contains("| spring | half-1k-64 | p99 ≤ 1.5× library | 1.40 | yes |");
        assertThat(md).contains("| spring | idle-19.5k | heap per idle connection ≤ 1.3× library-netty | 3.00 | **no** |");
    }
}
