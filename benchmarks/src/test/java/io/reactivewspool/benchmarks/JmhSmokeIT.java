package io.reactivewspool.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Every JMH benchmark with a same-run baseline, once, in process (no fork, no warm-up, one 100 ms
 * iteration, smallest sizes), through the same report code as the real run: the benchmarks compile,
 * their setup works (the codec baseline writes the same bytes; every hub connection subscribes) and
 * the tables carry a time and an allocation figure for both sides. No timing assertions.
 */
@Timeout(60)
class JmhSmokeIT {

    private static ChainedOptionsBuilder tiny(ChainedOptionsBuilder o) {
        return o.forks(0).warmupIterations(0).measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(100)).shouldFailOnError(true);
    }

    @Test
    void codecAgainstPlainJacksonForBothSizes() throws Exception {
        String table = JmhSuite.codec(JmhSmokeIT::tiny);

        assertThat(table).containsPattern("(?m)^\\s+64 encode\\s+\\d").containsPattern("(?m)^\\s+64 decode\\s+\\d")
                .containsPattern("(?m)^\\s+512 encode\\s+\\d").containsPattern("(?m)^\\s+512 decode\\s+\\d")
                .doesNotContain("NaN").doesNotContain("Infinity");
    }

    @Test
    void broadcastEncodeOnceAgainstPerRecipient() throws Exception {
        String table = JmhSuite.broadcast(o -> tiny(o).param("connections", "10").param("dataBytes", "64"));

        assertThat(table).containsPattern("(?m)^\\s+10\\s+64\\s+\\d").doesNotContain("NaN").doesNotContain("Infinity");
    }
}
