package io.reactivewspool.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A tiny run of the Java side of {@code pool-vs-go.sh} inside the build, so it cannot rot: both modes
 * against an in-process echo server (every frame back as it came, like the Node one), then the
 * report beside a Go line. No timing assertions.
 */
class EchoRoundTripsSmokeIT {

    private DisposableServer echo;

    @BeforeEach
    void startEcho() {
        echo = HttpServer.create().host("127.0.0.1").port(0)
                .route(r -> r.ws("/", (in, out) -> out.sendObject(in.receiveFrames().map(WebSocketFrame::retain))))
                .bindNow(Duration.ofSeconds(10));
    }

    @AfterEach
    void stopEcho() {
        echo.disposeNow(Duration.ofSeconds(10));
    }

    @Test
    void bothModesGetEveryReplyBackUnchangedAndTheReportComparesThemWithWspool() {
        String url = "ws://127.0.0.1:" + echo.port() + "/";
        List<String> lines = new ArrayList<>();
        lines.add("{\"callers\":4,\"errors\":0,\"mismatched\":0,\"p50_us\":100,\"p999_us\":900,\"p99_us\":500,\"pool\":\"wspool\","
                + "\"rt_per_s\":1000,\"mode\":\"borrow\",\"seconds\":1,\"client_cpu_s\":0.1,\"echo_cpu_s\":0.1}");
        for (EchoRoundTrips.Mode mode : EchoRoundTrips.Mode.values()) {
            EchoRoundTrips.Result r = EchoRoundTrips.run(new EchoRoundTrips.Config(url, mode, 4, Duration.ofMillis(200),
                    Duration.ofMillis(500), -1, 0));
            assertThat(r.roundTrips()).as(mode + " round trips").isPositive();
            assertThat(r.errors()).as(mode + " errors").isZero();
            assertThat(r.mismatched()).as(mode + " mismatched replies").isZero();
            assertThat(r.clientCpuSeconds()).as(mode + " client CPU").isPositive();
            assertThat(r.echoCpuSeconds()).as("no echo pid given").isEqualTo(-1);
            lines.add(r.json());
        }
        assertThat(lines.get(1)).contains("\"pool\":\"reactive-wspool\"", "\"mode\":\"borrow\"", "\"callers\":4", "\"alloc_b_per_rt\":");
        assertThat(PoolVsGoReport.report(lines))
                .containsPattern("(?m)^wspool\\s+borrow\\s+4\\s+1000\\s")
                .containsPattern("(?m)^reactive-wspool\\s+request\\s+4\\s+\\d")
                .containsPattern("(?m)^borrow\\s+4\\s+\\d+\\.\\d\\dx");
    }
}
