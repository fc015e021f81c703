package io.reactivewspool.spring;

import io.reactivewspool.server.LimitSpec;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.test.Allocations;
import io.reactivewspool.test.Deflated;
import io.reactivewspool.test.LiveHeap;
import io.reactivewspool.test.ReactorNettyTestClient;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/** permessage-deflate through the starter ({@code wspool.server.compression=true}): negotiated, and bounded on inflation. */
class SpringCompressionIT {

    private static ConfigurableApplicationContext start() {
        return new SpringApplicationBuilder(SpringHubConformanceIT.ConformanceApp.class)
                .properties("server.port=0", "server.address=127.0.0.1", "spring.main.banner-mode=off",
                        "wspool.server.compression=true",
                        "spring.autoconfigure.exclude="
                                + "org.springframework.boot.security.autoconfigure.web.reactive.ReactiveWebSecurityAutoConfiguration,"
                                + "org.springframework.boot.security.autoconfigure.ReactiveUserDetailsServiceAutoConfiguration,"
                                + "org.springframework.boot.security.autoconfigure.actuate.web.reactive.ReactiveManagementWebSecurityAutoConfiguration")
                .run();
    }

    private static String wsUrl(ConfigurableApplicationContext ctx) {
        return "ws://127.0.0.1:" + ctx.getEnvironment().getRequiredProperty("local.server.port") + "/ws";
    }

    /** 48 KB on the wire, 48 MiB inflated: inflated only up to the frame limit, then 1009. */
    @Test
    void aDeflatedMessageIsInflatedOnlyUpToTheFrameLimitThenCloses1009() {
        byte[] bomb = Deflated.of(48 << 20);
        try (ConfigurableApplicationContext ctx = start()) {
            ReactorNettyTestClient c = ReactorNettyTestClient.connectCompressed(wsUrl(ctx));
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
