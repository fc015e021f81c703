package io.reactivewspool.server;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SecuritySpiTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private static HandshakeInfo hs(Map<String, List<String>> headers, Map<String, List<String>> query) {
        return new HandshakeInfo("/ws", headers, query, null, null);
    }

    @Test
    void tokenComesFromTheQueryParameterOrTheBearerHeader() {
        assertThat(hs(Map.of(), Map.of("token", List.of("Q"))).token()).isEqualTo("Q");
        assertThat(hs(Map.of("Authorization", List.of("Bearer H")), Map.of()).token()).isEqualTo("H");
        assertThat(hs(Map.of("authorization", List.of("Basic x")), Map.of()).token()).isNull();
    }

    @Test
    void handshakeToStringNeverShowsTheToken() {
        HandshakeInfo h = hs(Map.of("Authorization", List.of("Bearer SECRET1")), Map.of("token", List.of("SECRET2")));
        assertThat(h.toString()).doesNotContain("SECRET1").doesNotContain("SECRET2");
    }

    @Test
    void anOpenConnectionKeepsNeitherCredentialsNorTheUpgradeHeaders() {
        HandshakeInfo h = hs(Map.of("Authorization", List.of("Bearer SECRET1"), "Upgrade", List.of("websocket"),
                        "Sec-WebSocket-Key", List.of("k"), "Origin", List.of("https://app"), "Cookie", List.of("s=1")),
                Map.of("token", List.of("SECRET2"), "room", List.of("r1")));
        HandshakeInfo kept = h.afterUpgrade();
        assertThat(kept.token()).isNull();
        assertThat(kept.headers()).containsOnlyKeys("origin", "cookie");
        assertThat(kept.queryParams()).containsOnlyKeys("room");
        assertThat(kept.path()).isEqualTo(h.path());
        assertThat(h.token()).isEqualTo("SECRET2");
    }

    @Test
    void staticTokensMapTokensToUsers() {
        Authenticator a = Authenticator.tokens(Map.of("T1", "alice"));
        assertThat(a.authenticate("T1", null).block(TIMEOUT)).isEqualTo("alice");
        assertThat(a.authenticate("T2", null).blockOptional()).isEmpty();
        assertThat(a.authenticate(null, null).blockOptional()).isEmpty();
    }

    @Test
    void defaultTopicPolicyAllowsSubscribeAndDeniesPublish() {
        TopicPolicy p = TopicPolicy.defaults();
        assertThat(p.canSubscribe(null, "anything")).isTrue();
        assertThat(p.canPublish(null, "anything")).isFalse();
    }

    @Test
    void publishPatternsAreGlobs() {
        TopicPolicy p = TopicPolicy.publishTo(List.of("pub.*", "chat:room-?"));
        assertThat(p.canPublish(null, "pub.x.y")).isTrue();
        assertThat(p.canPublish(null, "chat:room-1")).isTrue();
        assertThat(p.canPublish(null, "chat:room-12")).isFalse();
        assertThat(p.canPublish(null, "public")).isFalse();
    }

    @Test
    void adminBearerAuthenticatorComparesTheToken() {
        AdminAuthenticator a = AdminAuthenticator.bearer("S");
        assertThat(a.isAdmin(hs(Map.of("Authorization", List.of("Bearer S")), Map.of()))).isTrue();
        assertThat(a.isAdmin(hs(Map.of("Authorization", List.of("Bearer T")), Map.of()))).isFalse();
        assertThat(a.isAdmin(hs(Map.of(), Map.of("token", List.of("S"))))).isFalse();
        assertThat(AdminAuthenticator.denyAll().isAdmin(hs(Map.of(), Map.of()))).isFalse();
    }
}
