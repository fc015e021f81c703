package io.reactivewspool.server;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WsHubOptionsTest {

    @Test
    void defaultsAreTheDocumentedConstants() {
        WsHubOptions o = WsHubOptions.defaults();
        assertThat(o.heartbeat().interval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(o.heartbeat().connectionTimeout()).isEqualTo(Duration.ofSeconds(300));
        assertThat(o.heartbeat().cleanupInterval()).isEqualTo(Duration.ofSeconds(60));
        assertThat(o.limits().maxConnections()).isEqualTo(10_000);
        assertThat(o.limits().maxConnectionsPerTopic()).isEqualTo(1_000);
        assertThat(o.limits().maxFrameBytes()).isEqualTo(65_536);
        assertThat(o.limits().outboundQueueSize()).isEqualTo(1_024);
        assertThat(o.limits().overflowPolicy()).isEqualTo(OverflowPolicy.DROP_OLDEST);
        assertThat(o.limits().rateLimitPerSecond()).isZero();
        assertThat(o.authenticator()).isNull();
        assertThat(o.broker()).isNotNull();
    }

    @Test
    void settersRejectBadValuesNamingFieldValueAndRange() {
        assertThatThrownBy(() -> WsHubOptions.builder().maxConnections(0))
                .hasMessage("maxConnections must be >= 1, was 0");
        assertThatThrownBy(() -> WsHubOptions.builder().maxFrameBytes(10))
                .hasMessage("maxFrameBytes must be between 128 and 16777216, was 10");
        assertThatThrownBy(() -> WsHubOptions.builder().heartbeatInterval(Duration.ofMillis(1)))
                .hasMessage("heartbeatInterval must be >= PT0.01S, was PT0.001S");
        assertThatThrownBy(() -> WsHubOptions.builder().rateLimitPerSecond(-1))
                .hasMessage("rateLimitPerSecond must be >= 0, was -1");
        assertThatThrownBy(() -> WsHubOptions.builder().handler("subscribe", ctx -> Mono.empty()))
                .hasMessageContaining("application type");
        // The hub answers these itself: a handler for one of them would never be called.
        for (String own : List.of("refresh", "ack")) {
            assertThatThrownBy(() -> WsHubOptions.builder().handler(own, ctx -> Mono.empty()))
                    .as(own).hasMessageContaining("application type");
        }
        assertThatThrownBy(() -> WsHubOptions.builder().allowedOrigins(Set.of(" ")))
                .hasMessageContaining("allowedOrigins");
        assertThatThrownBy(() -> WsHubOptions.builder().clusterStateTtl(Duration.ofMillis(100)))
                .hasMessage("clusterStateTtl must be between PT0.3S and PT10M, was PT0.1S");
        assertThatThrownBy(() -> WsHubOptions.builder().presenceEvents(List.of("room/*", " ")))
                .hasMessageContaining("presenceEvents");
        assertThatThrownBy(() -> WsHubOptions.builder().presenceTopics(List.of("")))
                .hasMessageContaining("presenceTopics must not contain blank patterns");
    }

    @Test
    void presenceEventsMatchTopicsByGlobAndNoneByDefault() {
        assertThat(WsHubOptions.defaults().cluster().presenceEvents("room/1")).isFalse();
        assertThat(WsHubOptions.defaults().cluster().stateTtl()).isEqualTo(Duration.ofSeconds(15));
        WsHubOptions o = WsHubOptions.builder().presenceEvents(List.of("room/*")).build();
        assertThat(o.cluster().presenceEvents("room/1")).isTrue();
        assertThat(o.cluster().presenceEvents("rooms")).isFalse();
        assertThat(o.mutate().build().cluster().presenceEvents()).containsExactly("room/*");
    }

    @Test
    void presenceIsTrackedForPresenceTopicsAndPresenceEventsTopicsOnlyAndForNoneByDefault() {
        assertThat(WsHubOptions.defaults().cluster().tracksPresence("room/1")).isFalse();
        assertThat(WsHubOptions.defaults().cluster().presenceTopics()).isEmpty();
        WsHubOptions o = WsHubOptions.builder().presenceTopics(List.of("doc/*"))
                .presenceEvents(List.of("room/*")).build();
        assertThat(o.cluster().tracksPresence("doc/1")).isTrue();
        assertThat(o.cluster().tracksPresence("room/1")).as("join/leave topics keep their presence").isTrue();
        assertThat(o.cluster().tracksPresence("prices")).isFalse();
        assertThat(o.cluster().presenceEvents("doc/1")).as("tracking alone sends no join/leave").isFalse();
        assertThat(o.mutate().build().cluster().presenceTopics()).containsExactly("doc/*");
    }

    @Test
    void buildChecksThatTheTimeoutIsNotShorterThanTheHeartbeat() {
        assertThatThrownBy(() -> WsHubOptions.builder().heartbeatInterval(Duration.ofSeconds(10))
                .connectionTimeout(Duration.ofSeconds(5)).build())
                .hasMessage("connectionTimeout must be >= heartbeatInterval (PT10S), was PT5S");
    }

    @Test
    void mutateStartsFromTheExistingOptions() {
        WsHubOptions o = WsHubOptions.builder().maxConnections(7).build();
        WsHubOptions m = o.mutate().maxConnectionsPerUser(3).build();
        assertThat(m.limits().maxConnections()).isEqualTo(7);
        assertThat(m.limits().maxConnectionsPerUser()).isEqualTo(3);
        assertThat(m.broker()).isSameAs(o.broker());
    }

    @Test
    void authenticationTimeoutDefaultsTo10SecondsAndRefusesValuesOutOfRangeNamingTheField() {
        assertThat(WsHubOptions.defaults().authenticationTimeout()).isEqualTo(Duration.ofSeconds(10))
                .isEqualTo(WsHubOptions.DEFAULT_AUTHENTICATION_TIMEOUT);
        assertThatThrownBy(() -> WsHubOptions.builder().authenticationTimeout(Duration.ofMillis(5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("authenticationTimeout must be between PT0.01S and PT10M, was PT0.005S");
        assertThatThrownBy(() -> WsHubOptions.builder().authenticationTimeout(Duration.ofMinutes(11)))
                .hasMessage("authenticationTimeout must be between PT0.01S and PT10M, was PT11M");
        assertThatThrownBy(() -> WsHubOptions.builder().authenticationTimeout(null)).hasMessage("authenticationTimeout");
        WsHubOptions o = WsHubOptions.builder().authenticationTimeout(Duration.ofMillis(250)).build();
        assertThat(o.mutate().build().authenticationTimeout()).isEqualTo(Duration.ofMillis(250));
    }
}
