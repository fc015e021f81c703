package io.reactivewspool.broker.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.Presence;
import io.reactivewspool.test.AdminHttp;
import io.reactivewspool.test.HubFixture;
import io.reactivewspool.test.ReactorNettyTestClient;
import io.reactivewspool.test.RedisHubs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Cluster-wide admin operations and presence between two hubs sharing one real redis-server
 * (cluster state entries live 1 s without a refresh).
 */
class RedisClusterAdminIT {

    private static final Duration T = Duration.ofSeconds(10);
    private static final String ADMIN = "admin-secret";
    private static final Duration TTL = Duration.ofSeconds(1);

    @RegisterExtension
    final RedisHubs hubs = RedisHubs.perTest(List.of("node-a", "node-b"), ADMIN,
            (broker, b) -> b.presenceEvents(List.of("room/*")).clusterStateTtl(TTL));

    private HubFixture node(int i) {
        return hubs.node(i);
    }

    private ReactorNettyTestClient client(int node, String token) {
        return hubs.client(node, token);
    }

    private ReactorNettyTestClient subscriber(int node, String token, String topic) {
        return hubs.subscriber(node, token, topic);
    }

    @Test
    void disconnectUserOnOneNodeClosesTheUsersConnectionsOnTheOtherWith1000AndTheReason() {
        ReactorNettyTestClient aliceA = client(0, "tok-alice");
        ReactorNettyTestClient aliceB = client(1, "tok-alice");
        ReactorNettyTestClient bobB = client(1, "tok-bob");

        AdminHttp.Response r = AdminHttp.post(node(0).adminUrl() + "/disconnect", ADMIN,
                "{\"user_id\":\"alice\",\"reason\":\"account suspended\"}");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("disconnected").asInt()).isEqualTo(1);
        assertThat(r.json().get("scope").asString()).isEqualTo("cluster");
        assertThat(aliceA.awaitCloseCode()).isEqualTo(1000);
        assertThat(aliceB.awaitCloseCode()).isEqualTo(1000);
        assertThat(aliceB.closeReason()).isEqualTo("account suspended");
        node(1).hub().sendToUser("bob", "still_here", 1);
        bobB.next("still_here");
        assertThat(bobB.isClosed()).isFalse();
    }

    @Test
    void disconnectTopicOnOneNodeClosesTheTopicsSubscribersOnTheOther() {
        ReactorNettyTestClient onA = subscriber(0, "tok-alice", "orders");
        ReactorNettyTestClient onB = subscriber(1, "tok-bob", "orders");
        ReactorNettyTestClient otherB = subscriber(1, "tok-bob", "prices");

        assertThat(node(0).hub().admin().disconnectTopic("orders", "orders closed").block(T)).isEqualTo(1);

        assertThat(onA.awaitCloseCode()).isEqualTo(1000);
        assertThat(onB.awaitCloseCode()).isEqualTo(1000);
        assertThat(onB.closeReason()).isEqualTo("orders closed");
        node(1).hub().broadcast("prices", "tick", 1);
        otherB.next("tick");
        assertThat(otherB.isClosed()).isFalse();
    }

    @Test
    void disconnectByIdsOnOneNodeClosesTheNamedConnectionsOnTheOther() {
        ReactorNettyTestClient named = client(1, "tok-alice");
        ReactorNettyTestClient kept = client(1, "tok-alice");

        assertThat(node(0).hub().admin().disconnect(List.of(idOf(named), "unknown-id"), "bye").block(T)).isZero();

        assertThat(named.awaitCloseCode()).isEqualTo(1000);
        assertThat(named.closeReason()).isEqualTo("bye");
        node(1).hub().sendToUser("alice", "still_here", 1);
        kept.next("still_here");
        assertThat(kept.isClosed()).isFalse();
    }

    private static String idOf(ReactorNettyTestClient c) {
        return c.received().get(0).data().get("connection_id").asString();
    }

    private Presence presence(int node, String topic) {
        return node(node).hub().presence(topic).block(T);
    }

    @Test
    void presenceListsTheUsersAndConnectionsSubscribedOnEveryNode() {
        subscriber(0, "tok-alice", "room/1");
        subscriber(1, "tok-alice", "room/1");
        ReactorNettyTestClient bob = subscriber(1, "tok-bob", "room/1");
        subscriber(1, "tok-bob", "room/other");

        await().atMost(T).untilAsserted(() -> {
            Presence p = presence(0, "room/1");
            assertThat(p.users()).isEqualTo(Map.of("alice", 2, "bob", 1));
            assertThat(p.connections()).isEqualTo(3);
        });
        // Each node writes its share every 100 ms: node B may not have read node A's yet.
        await().atMost(T).untilAsserted(() -> {
            AdminHttp.Response r = AdminHttp.get(node(1).adminUrl() + "/presence?topic=room/1", ADMIN);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.json().get("scope").asString()).isEqualTo("cluster");
            assertThat(r.json().get("connections").asInt()).isEqualTo(3);
            assertThat(r.json().get("users").get("bob").asInt()).isEqualTo(1);
        });

        bob.send(WsMessage.unsubscribe("room/1").withId("u"));
        bob.next("unsubscribed");
        await().atMost(T).untilAsserted(() ->
                assertThat(presence(0, "room/1").users()).isEqualTo(Map.of("alice", 2)));
    }

    @Test
    void presenceOfANodeCutOffFromRedisExpiresAfterTheStateTtl() {
        subscriber(0, "tok-alice", "room/2");
        subscriber(1, "tok-bob", "room/2");
        await().atMost(T).until(() -> presence(0, "room/2").connections() == 2);

        hubs.broker(1).close().block(T); // node B stops refreshing its share, as a crashed node would

        long cut = System.nanoTime();
        await().atMost(T).untilAsserted(() ->
                assertThat(presence(0, "room/2").users()).isEqualTo(Map.of("alice", 1)));
        assertThat(Duration.ofNanos(System.nanoTime() - cut)).isLessThan(TTL.multipliedBy(3));
    }

    @Test
    void joinAndLeaveReachSubscribersOnEveryNodeForEnabledTopicsOnly() {
        ReactorNettyTestClient watcher = subscriber(0, "tok-alice", "room/3");
        watcher.send(WsMessage.subscribe("plain").withId("p"));
        watcher.next("subscribed");

        ReactorNettyTestClient bob = subscriber(1, "tok-bob", "room/3");
        String bobId = idOf(bob);
        WsMessage join = watcher.next("join");
        assertThat(join.topic()).isEqualTo("room/3");
        assertThat(join.data().get("user_id").asString()).isEqualTo("bob");
        assertThat(join.data().get("connection_id").asString()).isEqualTo(bobId);
        assertThat(bob.received()).noneMatch(m -> m.is("join"));

        ReactorNettyTestClient plain = subscriber(1, "tok-bob", "plain");
        bob.close();
        WsMessage leave = watcher.next("leave");
        assertThat(leave.topic()).isEqualTo("room/3");
        assertThat(leave.data().get("connection_id").asString()).isEqualTo(bobId);

        plain.send(WsMessage.unsubscribe("plain").withId("u"));
        plain.next("unsubscribed");
        node(1).hub().broadcast("plain", "marker", 1); // after the plain topic's (absent) join and leave
        watcher.next("marker");
        assertThat(watcher.received()).filteredOn(m -> "plain".equals(m.topic()))
                .noneMatch(m -> m.is("join") || m.is("leave"));
    }

    private static List<String> nodeIds(AdminHttp.Response stats) {
        List<String> ids = new ArrayList<>();
        stats.json().get("cluster").get("nodes").forEach(n -> ids.add(n.get("node_id").asString()));
        return ids;
    }

    @Test
    void clusterStatsSumEveryLiveNodeAndDropANodeCutOffFromRedisAfterTheStateTtl() {
        client(0, "tok-alice");
        client(1, "tok-bob");
        subscriber(1, "tok-bob", "orders");

        await().atMost(T).untilAsserted(() -> {
            AdminHttp.Response r = AdminHttp.get(node(0).adminUrl() + "/stats", ADMIN);
            assertThat(r.status()).isEqualTo(200);
            assertThat(nodeIds(r)).containsExactly("node-a", "node-b");
            assertThat(r.json().get("cluster").get("node_count").asInt()).isEqualTo(2);
            assertThat(r.json().get("cluster").get("active_connections").asInt()).isEqualTo(3);
            assertThat(r.json().get("cluster").get("topic_subscribers").path("orders").asInt(0)).isEqualTo(1);
            assertThat(r.json().get("active_connections").asInt()).as("this node's own fields").isEqualTo(1);
        });

        hubs.broker(1).close().block(T); // node B stops refreshing its entry, as a crashed node would

        long cut = System.nanoTime();
        await().atMost(T).untilAsserted(() ->
                assertThat(nodeIds(AdminHttp.get(node(0).adminUrl() + "/stats", ADMIN))).containsExactly("node-a"));
        assertThat(Duration.ofNanos(System.nanoTime() - cut)).isLessThan(TTL.multipliedBy(3));
    }

    @Test
    void aHubThatClosesWithdrawsItsStatsAndPresenceAtOnce() {
        subscriber(1, "tok-bob", "room/5");
        await().atMost(T).until(() -> presence(0, "room/5").connections() == 1
                && nodeIds(AdminHttp.get(node(0).adminUrl() + "/stats", ADMIN)).size() == 2);

        node(1).close();

        // Without the withdrawal both would linger until the 1 s expiry.
        await().atMost(Duration.ofMillis(500)).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
            assertThat(presence(0, "room/5").connections()).isZero();
            assertThat(nodeIds(AdminHttp.get(node(0).adminUrl() + "/stats", ADMIN))).containsExactly("node-a");
        });
    }
}
