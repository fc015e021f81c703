package io.reactivewspool.benchmarks;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PoolVsGoReportTest {

    private static final String GO_8 = "{\"callers\":8,\"errors\":0,\"mismatched\":0,\"p50_us\":150,\"p999_us\":900,\"p99_us\":400,"
            + "\"pool\":\"wspool\",\"rt_per_s\":40000,\"mode\":\"borrow\",\"seconds\":10,\"client_cpu_s\":4.000,\"echo_cpu_s\":9.000}";

    private static String java(String mode, double rtPerSecond, long p99, double cpu, long errors) {
        return "{\"pool\":\"reactive-wspool\",\"mode\":\"" + mode + "\",\"callers\":8,\"rt_per_s\":" + rtPerSecond
                + ",\"p50_us\":100,\"p99_us\":" + p99 + ",\"p999_us\":2000,\"errors\":" + errors + ",\"mismatched\":0,\"stuck\":0,"
                + "\"seconds\":10.000,\"client_cpu_s\":" + cpu + ",\"echo_cpu_s\":8.000,\"alloc_b_per_rt\":3000,\"jit_s\":0.25}";
    }

    @Test
    void cellsPerThousandRoundTripsAndRatiosAgainstWspoolAtTheSameCallerCount() {
        String report = PoolVsGoReport.report(List.of("building", GO_8,
                java("borrow", 20000, 800, 3.0, 0), java("request", 60000, 200, 3.0, 0)));
        // 4 CPU-s over 400,000 round trips: 0.0100 s per 1,000
        assertThat(report).containsPattern("(?m)^wspool\\s+borrow\\s+8\\s+40000\\s+150\\s+400\\s+900\\s+0\\.0100\\s+0\\.0225\\s+n/a\\s+n/a\\s+0\\s+0$");
        assertThat(report).containsPattern("(?m)^reactive-wspool\\s+borrow\\s+8\\s+20000\\s.*\\s0\\.0150\\s+0\\.0400\\s+3000\\s+0\\.25\\s+0\\s+0$");
        // borrow: half the rate, twice the p99, 1.5x the CPU per round trip; request: 1.5x the rate, half the p99 and CPU
        assertThat(report).containsPattern("(?m)^borrow\\s+8\\s+0\\.50x\\s+2\\.00x\\s+1\\.50x\\s+not met$");
        assertThat(report).containsPattern("(?m)^request\\s+8\\s+1\\.50x\\s+0\\.50x\\s+0\\.50x\\s+met$");
    }

    @Test
    void severalRoundsKeepTheMedianRoundAndSumTheErrors() {
        String report = PoolVsGoReport.report(List.of(GO_8, java("borrow", 10000, 900, 1.0, 1), java("borrow", 30000, 700, 3.0, 2),
                java("borrow", 20000, 800, 2.0, 0)));
        assertThat(report).containsPattern("(?m)^reactive-wspool\\s+borrow\\s+8\\s+20000\\s+100\\s+800\\s.*\\s3\\s+0$")
                .contains("median of 3 rounds");
    }

    @Test
    void aCallerCountWithoutAWspoolCellSaysSo() {
        assertThat(PoolVsGoReport.report(List.of(java("request", 1000, 100, 1.0, 0))))
                .contains("(no wspool cell at this caller count)");
    }
}
