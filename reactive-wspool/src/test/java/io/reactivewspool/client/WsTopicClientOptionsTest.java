package io.reactivewspool.client;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WsTopicClientOptionsTest {

    @Test
    void defaultsFollowThePoolsBackoffAndEveryUrlGetsTheCustomizedClientOptions() {
        WsTopicClientOptions o = WsTopicClientOptions.builder("ws://a:1/ws", "ws://b:2/ws")
                .client(b -> b.bearerToken("secret")).build();
        assertThat(o.reconnectBackoffFirst()).isEqualTo(Duration.ofMillis(WsClientPoolOptions.DEFAULT_CONNECT_BACKOFF_FIRST_MS));
        assertThat(o.reconnectBackoffMax()).isEqualTo(Duration.ofMillis(WsClientPoolOptions.DEFAULT_CONNECT_BACKOFF_MAX_MS));
        assertThat(o.clients()).extracting(c -> c.url().getHost()).containsExactly("a", "b");
        assertThat(o.clients()).allSatisfy(c -> assertThat(c.bearerToken()).isEqualTo("secret"));
        assertThat(o.mutate().bufferSize(7).build().clients()).hasSize(2);
    }

    @Test
    void livenessPingsAreOnByDefaultCanBeTurnedOffAndSurviveMutate() {
        WsTopicClientOptions o = WsTopicClientOptions.builder("ws://a/ws").build();
        assertThat(o.pingInterval()).isEqualTo(Duration.ofMillis(WsTopicClientOptions.DEFAULT_PING_INTERVAL_MS)).isEqualTo(Duration.ofSeconds(15));
        assertThat(o.pingTimeout()).isEqualTo(Duration.ofMillis(WsTopicClientOptions.DEFAULT_PING_TIMEOUT_MS)).isEqualTo(Duration.ofSeconds(10));
        assertThat(WsTopicClientOptions.builder("ws://a/ws").pingInterval(Duration.ZERO).build().pingInterval()).isZero();

        WsTopicClientOptions tuned = o.mutate().pingInterval(Duration.ofMillis(500)).pingTimeout(Duration.ofSeconds(2)).build();
        WsTopicClientOptions copy = tuned.mutate().bufferSize(7).build();
        assertThat(copy.pingInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(copy.pingTimeout()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void livenessOptionsNameTheFieldTheValueAndTheRange() {
        assertThatThrownBy(() -> WsTopicClientOptions.builder("ws://a/ws").pingInterval(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("pingInterval must be >= 0 (0: off), was PT-0.001S");
        assertThatThrownBy(() -> WsTopicClientOptions.builder("ws://a/ws").pingTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("pingTimeout must be > 0, was PT0S");
        assertThatThrownBy(() -> WsTopicClientOptions.builder("ws://a/ws").pingTimeout(null))
                .isInstanceOf(NullPointerException.class).hasMessage("pingTimeout");
        assertThatThrownBy(() -> WsTopicClientOptions.builder("ws://a/ws").pingInterval(null))
                .isInstanceOf(NullPointerException.class).hasMessage("pingInterval");
    }

    @Test
    void buildersNameTheFieldAndTheValue() {
        assertThatThrownBy(() -> WsTopicClientOptions.builder(List.of())).hasMessageContaining("urls");
        assertThatThrownBy(() -> WsTopicClientOptions.builder("ws://a/ws").bufferSize(0))
                .hasMessage("bufferSize must be between 1 and 1048576, was 0");
        assertThatThrownBy(() -> WsTopicClientOptions.builder("ws://a/ws").reconnectBackoffJitter(1.5))
                .hasMessage("reconnectBackoffJitter must be between 0 and 1, was 1.5");
        assertThatThrownBy(() -> WsTopicClientOptions.builder("ws://a/ws").reconnectBackoffFirst(Duration.ZERO))
                .hasMessage("reconnectBackoffFirst must be > 0, was PT0S");
        assertThatThrownBy(() -> WsTopicClientOptions.builder("ws://a/ws").reconnectBackoffFirst(Duration.ofSeconds(2))
                .reconnectBackoffMax(Duration.ofSeconds(1)).build()).hasMessageContaining("reconnectBackoffMax must be >=");
        assertThatThrownBy(() -> WsTopicClientOptions.builder("http://a/ws").build()).isInstanceOf(IllegalArgumentException.class);
    }
}
