package io.reactivewspool.bench.fanout;

import static org.assertj.core.api.Assertions.assertThat;

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
}
