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
                new ClientPoolLoopback.Config(new int[] {1, 4}, Duration.ZERO, Duration.ofMillis(200), 8));
        assertThat(results).hasSize(6).allSatisfy(r -> {
            assertThat(r.requests()).isPositive();
            assertThat(r.errors()).isZero();
        });
        assertThat(ClientPoolLoopback.report(results)).contains("pool (max 8)", "connect per request", "ratios");
    }
}
