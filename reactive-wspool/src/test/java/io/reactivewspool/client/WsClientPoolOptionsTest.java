package io.reactivewspool.client;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WsClientPoolOptionsTest {

    @Test
    void defaultsAreTheDocumentedConstantsAndTheNameComesFromTheUrl() {
        WsClientPoolOptions o = WsClientPoolOptions.builder("ws://quotes.internal:8080/ws?token=secret").build();
        assertThat(o.name()).isEqualTo("quotes.internal:8080/ws");
        assertThat(o.minConnections()).isEqualTo(WsClientPoolOptions.DEFAULT_MIN_CONNECTIONS);
        assertThat(o.maxConnections()).isEqualTo(WsClientPoolOptions.DEFAULT_MAX_CONNECTIONS);
        assertThat(o.maxLifetime()).isEqualTo(Duration.ofMillis(WsClientPoolOptions.DEFAULT_MAX_LIFETIME_MS));
        assertThat(o.acquireTimeout()).isEqualTo(Duration.ofMillis(WsClientPoolOptions.DEFAULT_ACQUIRE_TIMEOUT_MS));
        assertThat(o.maxPendingAcquires()).isEqualTo(WsClientPoolOptions.DEFAULT_MAX_PENDING_ACQUIRES);
        assertThat(o.reuseOrder()).isEqualTo(ReuseOrder.MOST_RECENTLY_USED);
        assertThat(o.warmup()).isTrue();
        assertThat(o.toString()).doesNotContain("secret");
    }

    @Test
    void mutateKeepsEveryFieldAndChangesOnlyWhatIsSet() {
        WsClientPoolOptions o = WsClientPoolOptions.builder("ws://h/ws").name("p").minConnections(2).maxConnections(5)
                .maxIdleTime(Duration.ofSeconds(3)).reuseOrder(ReuseOrder.LEAST_RECENTLY_USED).build();
        WsClientPoolOptions m = o.mutate().maxConnections(6).build();
        assertThat(m.name()).isEqualTo("p");
        assertThat(m.minConnections()).isEqualTo(2);
        assertThat(m.maxConnections()).isEqualTo(6);
        assertThat(m.maxIdleTime()).isEqualTo(Duration.ofSeconds(3));
        assertThat(m.reuseOrder()).isEqualTo(ReuseOrder.LEAST_RECENTLY_USED);
        assertThat(m.toString()).isEqualTo(o.mutate().maxConnections(6).build().toString());
    }

    @Test
    void invalidValuesAreRejectedWithFieldValueAndRange() {
        WsClientPoolOptions.Builder b = WsClientPoolOptions.builder("ws://h/ws");
        assertThatThrownBy(() -> b.maxConnections(0)).hasMessage("maxConnections must be between 1 and 10000, was 0");
        assertThatThrownBy(() -> b.minConnections(-1)).hasMessage("minConnections must be between 0 and 10000, was -1");
        assertThatThrownBy(() -> b.maxPendingAcquires(-1)).hasMessage("maxPendingAcquires must be between 0 and 1000000, was -1");
        assertThatThrownBy(() -> b.connectMaxAttempts(0)).hasMessage("connectMaxAttempts must be between 1 and 1000, was 0");
        assertThatThrownBy(() -> b.acquireTimeout(Duration.ZERO)).hasMessage("acquireTimeout must be > 0, was PT0S");
        assertThatThrownBy(() -> b.maxIdleTime(Duration.ofSeconds(-1))).hasMessageStartingWith("maxIdleTime must be >= 0");
        assertThatThrownBy(() -> b.connectBackoffJitter(1.5)).hasMessage("connectBackoffJitter must be between 0.0 and 1.0, was 1.5");
        assertThatThrownBy(() -> b.name("has space")).hasMessageStartingWith("name must be 1 to 64 characters");
        assertThatThrownBy(() -> WsClientPoolOptions.builder("ws://h/ws").minConnections(5).maxConnections(2).build())
                .hasMessage("minConnections must be between 0 and maxConnections (2), was 5");
        assertThatThrownBy(() -> WsClientPoolOptions.builder("ws://h/ws").connectBackoffFirst(Duration.ofSeconds(5))
                .connectBackoffMax(Duration.ofSeconds(1)).build()).hasMessageStartingWith("connectBackoffMax must be >= connectBackoffFirst");
    }

    @Test
    void clientOptionsRejectBadUrlsAndNeverPrintTheToken() {
        assertThatThrownBy(() -> WsClientOptions.builder("http://h/ws")).hasMessageStartingWith("url must be a ws:// or wss:// URL");
        assertThatThrownBy(() -> WsClientOptions.builder("ws://h/ws").maxFrameSize(10))
                .hasMessage("maxFrameSize must be between 125 and 16777216, was 10");
        WsClientOptions o = WsClientOptions.builder("ws://h/ws").bearerToken("s3cr3t").header("X-A", "1").build();
        assertThat(o.toString()).doesNotContain("s3cr3t").contains("bearerToken=***");
        assertThat(o.mutate().build().bearerToken()).isEqualTo("s3cr3t");
    }
}
