package io.reactivewspool.samples.standalone.soak;

import java.io.File;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The soak of {@code scripts/soak.sh}, for 60 s, against the jar this module just packaged: the
 * same driver, the same verdict (no message owed to a subscriber lost, no error, the server's
 * heap after a full GC at most 32 MiB above its post-warm-up level, a clean exit on SIGTERM).
 */
class SoakIT {

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void sixtySecondsOfChurnBroadcastsAndPoolRequestsLoseNothingAndKeepTheServerHeapBounded() throws Exception {
        File jar = new File(System.getProperty("basedir", "."), "target/standalone-server.jar");
        SoakReport r = SoakDriver.run(SoakDriver.Options.defaults().withDuration(Duration.ofSeconds(60)).withJar(jar));
        System.out.print(r.format());

        assertThat(r.problems()).isEmpty();
        assertThat(r.lost()).isZero();
        assertThat(r.disordered()).isZero();
        assertThat(r.visitsChecked()).isEqualTo(r.connectionsServed() - r.overflowed());
        assertThat(r.serverTotalConnections()).as("churn, publishers and the pool's connections")
                .isGreaterThanOrEqualTo(r.connectionsServed() + 2);
        assertThat(r.heapGrowthKib()).isLessThanOrEqualTo(32 * 1024);
    }
}
