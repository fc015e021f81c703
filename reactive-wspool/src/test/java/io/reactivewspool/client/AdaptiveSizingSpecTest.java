package io.reactivewspool.client;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AdaptiveSizingSpecTest {

    @Test
    void badValuesAreRefusedNamingTheFieldTheValueAndTheRange() {
        assertThatThrownBy(() -> AdaptiveSizingSpec.builder().interval(Duration.ofMillis(5)))
                .hasMessage("interval must be >= 10ms, was PT0.005S");
        assertThatThrownBy(() -> AdaptiveSizingSpec.builder().smoothing(0.0))
                .hasMessage("smoothing must be > 0.0 and <= 1.0, was 0.0");
        assertThatThrownBy(() -> AdaptiveSizingSpec.builder().targetUtilisation(1.5))
                .hasMessage("targetUtilisation must be > 0.0 and <= 1.0, was 1.5");
        assertThatThrownBy(() -> AdaptiveSizingSpec.builder().maxStepUp(0))
                .hasMessage("maxStepUp must be between 1 and 1000, was 0");
        assertThatThrownBy(() -> AdaptiveSizingSpec.builder().requestsPerConnection(0))
                .hasMessage("requestsPerConnection must be between 1 and 100000, was 0");
        assertThatThrownBy(() -> AdaptiveSizingSpec.builder().shrinkCooldown(Duration.ofSeconds(-1)))
                .hasMessage("shrinkCooldown must be >= 0, was PT-1S");
        assertThatThrownBy(() -> AdaptiveSizingSpec.builder().targetUtilisation(0.6).shrinkUtilisation(0.6).build())
                .hasMessageStartingWith("shrinkUtilisation must be below targetUtilisation (0.6)");
    }

    @Test
    void poolOptionsCarryTheSpecThroughMutate() {
        AdaptiveSizingSpec spec = AdaptiveSizingSpec.builder().maxStepDown(3).build();
        WsClientPoolOptions options = WsClientPoolOptions.builder("ws://127.0.0.1:9/ws").adaptiveSizing(spec).build();
        assertThat(options.adaptiveSizing()).containsSame(spec);
        assertThat(options.mutate().build().adaptiveSizing()).containsSame(spec);
        assertThat(spec.mutate().build().maxStepDown()).isEqualTo(3);
        assertThat(WsClientPoolOptions.builder("ws://127.0.0.1:9/ws").build().adaptiveSizing()).isEmpty();
    }
}
