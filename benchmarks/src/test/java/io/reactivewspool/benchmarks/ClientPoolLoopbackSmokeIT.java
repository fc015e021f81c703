package io.reactivewspool.benchmarks;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A tiny run of the loopback benchmark inside the build, so it cannot rot. No timing assertions. */
class ClientPoolLoopbackSmokeIT {

    @Test
    void everyModeAndCallerCountProducesRepliesAndAReport() {
        List<ClientPoolLoopback.Result> results = ClientPoolLoopback.run(
                new ClientPoolLoopback.Config(new int[] {1, 4}, Duration.ZERO, Duration.ofMillis(200), new int[] {1, 8}));
        // two pool sizes and two baselines, each with each caller count
        assertThat(results).hasSize(8).allSatisfy(r -> {
            assertThat(r.requests()).isPositive();
            assertThat(r.errors()).isZero();
        });
        assertThat(results).extracting(ClientPoolLoopback.Result::mode).containsOnly(
                "pool (max 1)", "pool (max 8)", "single shared connection", "connect per request");
        assertThat(ClientPoolLoopback.report(results)).contains("ratios")
                .containsPattern("(?m)^pool \\(max 1\\)\\s+4\\s+\\d").containsPattern("(?m)^pool \\(max 8\\)\\s+1\\s+\\d");
    }
}
