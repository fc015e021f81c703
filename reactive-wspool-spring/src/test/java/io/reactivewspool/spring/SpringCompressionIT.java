package io.reactivewspool.spring;

import io.reactivewspool.server.LimitSpec;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.spring.test.LoopbackApp;
import io.reactivewspool.test.Allocations;
import io.reactivewspool.test.Deflated;
import io.reactivewspool.test.LiveHeap;
import io.reactivewspool.test.ReactorNettyTestClient;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/** permessage-deflate through the starter ({@code wspool.server.compression=true}): negotiated, and bounded on inflation. */
class SpringCompressionIT {

    private static ConfigurableApplicationContext start() {
        return LoopbackApp.withoutSecurity(SpringHubConformanceIT.ConformanceApp.class, "wspool.server.compression=true").run();
    }

    /** 48 KB on the wire, 48 MiB inflated: inflated only up to the frame limit, then 1009. */
    @Test
    void aDeflatedMessageIsInflatedOnlyUpToTheFrameLimitThenCloses1009() {
        byte[] bomb = Deflated.of(48 << 20);
        try (ConfigurableApplicationContext ctx = start()) {
            ReactorNettyTestClient c = ReactorNettyTestClient.connectCompressed(LoopbackApp.wsUrl(ctx));
            assertThat(c.extensions()).contains("permessage-deflate");
            assertThat(c.welcome().type()).isEqualTo("welcome");
            Allocations allocations = Allocations.start();
            c.sendFrame(Deflated.frame(bomb));
            assertThat(c.awaitCloseCode()).isEqualTo(1009);
            assertThat(c.closeReason()).isEqualTo("message larger than " + LimitSpec.DEFAULT_MAX_FRAME_BYTES + " bytes");
            assertThat(allocations.since()).as("bytes allocated in the JVM while the server received the frame")
                    .isLessThan(16 * LiveHeap.MIB);
        }
    }
}
