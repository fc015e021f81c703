package io.reactivewspool.server.netty;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.Authenticator;
import io.reactivewspool.server.Presence;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.test.AdminHttp;
import io.reactivewspool.test.HubFixture;
import io.reactivewspool.test.ReactorNettyTestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Presence, join/leave and the admin answers of a single hub with the default local broker. */
class LocalPresenceIT {

    private static final Duration T = Duration.ofSeconds(10);
    private static final String ADMIN = "admin-secret";

    private HubFixture node;

    @BeforeEach
    void start() {
        node = HubFixture.start(WsHubOptions.builder()
                .authenticator(Authenticator.tokens(Map.of("tok-alice", "alice", "tok-bob", "bob")))
                .presenceEvents(List.of("room/*"))
                .closeDrainPeriod(Duration.ZERO)
                .build(), ADMIN);
    }

    @AfterEach
    void stop() {
        node.close();
    }

    private ReactorNettyTestClient subscriber(String token, String topic) {
        ReactorNettyTestClient c = ReactorNettyTestClient.connect(node.wsUrl() + "?token=" + token);
        c.welcome();
        c.send(WsMessage.subscribe(topic).withId("s"));
        c.next("subscribed");
        return c;
    }

    @Test
    void presenceAndStatsCountThisHubOnlyAndTheAdminApiAnswersWithoutClusterScope() {
        try (ReactorNettyTestClient a1 = subscriber("tok-alice", "room/1");
             ReactorNettyTestClient a2 = subscriber("tok-alice", "room/1");
             ReactorNettyTestClient b = subscriber("tok-bob", "room/1");
             ReactorNettyTestClient anonymousLike = subscriber("tok-bob", "other")) {
            Presence p = node.hub().presence("room/1").block(T);
            assertThat(p.users()).isEqualTo(Map.of("alice", 2, "bob", 1));
            assertThat(p.connections()).isEqualTo(3);
            assertThat(node.hub().presence("room/nobody").block(T).connections()).isZero();
            assertThatThrownBy(() -> node.hub().presence("other"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("presence of topic 'other' is not tracked")
                    .hasMessageContaining("presenceTopics");

            AdminHttp.Response r = AdminHttp.get(node.adminUrl() + "/presence?topic=room/1", ADMIN);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.json().get("users").get("alice").asInt()).isEqualTo(2);
            assertThat(r.json().has("scope")).isFalse();
            assertThat(AdminHttp.get(node.adminUrl() + "/presence", ADMIN).status()).isEqualTo(400);
            AdminHttp.Response untracked = AdminHttp.get(node.adminUrl() + "/presence?topic=other", ADMIN);
            assertThat(untracked.status()).isEqualTo(400);
            assertThat(untracked.json().get("error").asString()).contains("not tracked");

            AdminHttp.Response stats = AdminHttp.get(node.adminUrl() + "/stats", ADMIN);
            assertThat(stats.json().has("cluster")).isFalse();
            assertThat(stats.json().get("active_connections").asInt()).isEqualTo(4);
            assertThat(node.hub().admin().clusterStats().block(T)).hasSize(1)
                    .hasEntrySatisfying(node.hub().options().broker().nodeId(),
                            s -> assertThat(s.activeConnections()).isEqualTo(4));

            AdminHttp.Response d = AdminHttp.post(node.adminUrl() + "/disconnect", ADMIN, "{\"topic\":\"other\"}");
            assertThat(d.json().get("disconnected").asInt()).isEqualTo(1);
            assertThat(d.json().has("scope")).isFalse();
            assertThat(anonymousLike.awaitCloseCode()).isEqualTo(1000);
        }
    }

    @Test
    void joinAndLeaveReachTheOtherSubscribersOfAnEnabledTopicOnly() {
        try (ReactorNettyTestClient watcher = subscriber("tok-alice", "room/1")) {
            watcher.send(WsMessage.subscribe("plain").withId("p"));
            watcher.next("subscribed");
            ReactorNettyTestClient bob = subscriber("tok-bob", "room/1");
            WsMessage join = watcher.next("join");
            assertThat(join.topic()).isEqualTo("room/1");
            assertThat(join.data().get("user_id").asString()).isEqualTo("bob");
            bob.close();
            assertThat(watcher.next("leave").data().get("user_id").asString()).isEqualTo("bob");

            try (ReactorNettyTestClient plain = subscriber("tok-bob", "plain")) {
                node.hub().broadcast("plain", "marker", 1);
                watcher.next("marker");
                assertThat(watcher.received()).filteredOn(m -> "plain".equals(m.topic()))
                        .noneMatch(m -> m.is("join") || m.is("leave"));
            }
        }
    }
}
