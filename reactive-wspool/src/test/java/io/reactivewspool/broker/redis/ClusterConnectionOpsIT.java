package io.reactivewspool.broker.redis;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.ClusterSpec;
import io.reactivewspool.server.ConnectionOutcome;
import io.reactivewspool.server.ConnectionOutcome.Status;
import io.reactivewspool.server.ConnectionPage;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.test.AdminHttp;
import io.reactivewspool.test.ReactorNettyTestClient;
import io.reactivewspool.test.RedisHubs;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Operations on one connection wherever it lives, between three hubs sharing one real
 * redis-server, with real loopback clients: sendTo, subscribe and unsubscribe of a connection of
 * another node, an unknown id, a silent node, the admin listing over every node, sendToUser with
 * exclusions.
 */
class ClusterConnectionOpsIT {

    private static final Duration T = Duration.ofSeconds(20);
    private static final String ADMIN = "admin-secret";

    @RegisterExtension
    final RedisHubs hubs = RedisHubs.perTest(List.of("node-a", "node-b", "node-c"), ADMIN,
            (broker, b) -> b.cluster(ClusterSpec.builder().requestTimeout(Duration.ofSeconds(3)).build()));

    @BeforeEach
    void start() {
        // Every node has beaten once: "not found" needs the answers of all three.
        await().atMost(T).until(() -> hubs.broker(0).liveNodes().block(T).size() == 3);
    }

    private WsHub hub(int i) {
        return hubs.node(i).hub();
    }

    private static String idOf(ReactorNettyTestClient c) {
        return c.received().get(0).data().get("connection_id").asString();
    }

    @Test
    void sendToAConnectionOfAnotherNodeArrivesOnceAndSaysWhichNodeHasIt() {
        ReactorNettyTestClient onB = hubs.client(1, "tok-alice");
        String id = idOf(onB);

        ConnectionOutcome o = hub(0).sendToConnection(id, WsMessage.of("notice", null, Map.of("n", 1))).block(T);

        assertThat(o.status()).isEqualTo(Status.DONE);
        assertThat(o.nodeId()).isEqualTo("node-b");
        assertThat(o.connectionId()).isEqualTo(id);
        assertThat(onB.next("notice").data().get("n").asInt()).isEqualTo(1);
        hub(1).sendTo(id, WsMessage.of("marker", null, 1));
        onB.next("marker");
        assertThat(onB.received()).filteredOn(m -> m.is("notice")).hasSize(1);
    }

    @Test
    void anUnknownIdIsNotFoundOnceEveryLiveNodeAnswered() {
        ConnectionOutcome send = hub(0).sendToConnection("no-such-id", WsMessage.of("notice", null, 1)).block(T);
        ConnectionOutcome sub = hub(0).subscribeConnection("no-such-id", "orders").block(T);
        ConnectionOutcome unsub = hub(0).unsubscribeConnection("no-such-id", "orders").block(T);
        ConnectionOutcome find = hub(0).admin().clusterConnection("no-such-id").block(T);

        for (ConnectionOutcome o : List.of(send, sub, unsub, find)) {
            assertThat(o.status()).as(o.toString()).isEqualTo(Status.NOT_FOUND);
            assertThat(o.nodeId()).isNull();
            assertThat(o.detail()).contains("node-a", "node-b", "node-c");
        }
    }

    @Test
    void aLiveNodeThatDoesNotAnswerMakesTheOutcomeNoAnswerNamingIt() {
        ReactorNettyTestClient onB = hubs.client(1, "tok-bob");
        hubs.broker(2).close().block(T); // node C hears nothing more; its heartbeat lives on for the 15 s TTL

        ConnectionOutcome unknown = hub(0).sendToConnection("no-such-id", WsMessage.of("notice", null, 1)).block(T);
        ConnectionOutcome onNodeB = hub(0).sendToConnection(idOf(onB), WsMessage.of("notice", null, 2)).block(T);

        assertThat(unknown.status()).isEqualTo(Status.NO_ANSWER);
        assertThat(unknown.detail()).contains("no answer from node-c").doesNotContain("node-b");
        assertThat(onNodeB.status()).as("the holder's answer does not wait for the silent node").isEqualTo(Status.DONE);
        onB.next("notice");
    }

    @Test
    void subscribingARemoteConnectionTellsItsClientAndBroadcastsReachItUntilUnsubscribed() {
        ReactorNettyTestClient target = hubs.client(1, "tok-bob");
        ReactorNettyTestClient watcher = hubs.subscriber(1, "tok-alice", "orders");
        String id = idOf(target);

        ConnectionOutcome subscribed = hub(0).subscribeConnection(id, "orders").block(T);

        assertThat(subscribed.status()).isEqualTo(Status.DONE);
        assertThat(subscribed.nodeId()).isEqualTo("node-b");
        WsMessage notice = target.next("subscribed");
        assertThat(notice.topic()).isEqualTo("orders");
        assertThat(notice.id()).isNull();
        assertThat(notice.data().get("by").asString()).isEqualTo("server");
        assertThat(hub(1).connection(id).orElseThrow().topics()).containsExactly("orders");
        hub(2).broadcast("orders", "order", 1); // from a third node
        assertThat(target.next("order").data().asInt()).isEqualTo(1);
        assertThat(hub(0).subscribeConnection(id, "orders").block(T).status()).isEqualTo(Status.UNCHANGED);

        ConnectionOutcome unsubscribed = hub(0).unsubscribeConnection(id, "orders").block(T);

        assertThat(unsubscribed.status()).isEqualTo(Status.DONE);
        WsMessage gone = target.next("unsubscribed");
        assertThat(gone.topic()).isEqualTo("orders");
        assertThat(gone.data().get("by").asString()).isEqualTo("server");
        hub(2).broadcast("orders", "order", 2);
        watcher.next(m -> m.is("order") && m.data().asInt() == 2); // the same fan-out would have reached the target
        hub(1).sendTo(id, WsMessage.of("marker", null, 1));
        target.next("marker");
        assertThat(target.received()).filteredOn(m -> m.is("order")).hasSize(1);
        assertThat(hub(0).unsubscribeConnection(id, "orders").block(T).status()).isEqualTo(Status.UNCHANGED);
    }

    @Test
    void theAdminListingOnOneNodeShowsEveryNodesConnectionsWithTheirNodeAPageAtATime() {
        ReactorNettyTestClient a = hubs.client(0, "tok-alice");
        ReactorNettyTestClient b1 = hubs.client(1, "tok-bob");
        ReactorNettyTestClient b2 = hubs.client(1, "tok-bob");
        ReactorNettyTestClient c = hubs.client(2, "tok-alice");
        Map<String, String> nodeOf = Map.of(idOf(a), "node-a", idOf(b1), "node-b", idOf(b2), "node-b", idOf(c), "node-c");
        String url = hubs.node(0).adminUrl() + "/connections";

        AdminHttp.Response first = AdminHttp.get(url + "?limit=3", ADMIN);
        AdminHttp.Response second = AdminHttp.get(url + "?limit=3&page=2", ADMIN);

        assertThat(first.status()).isEqualTo(200);
        assertThat(first.json().get("scope").asString()).isEqualTo("cluster");
        assertThat(first.json().get("total").asInt()).isEqualTo(4);
        assertThat(first.json().get("count").asInt()).isEqualTo(3);
        assertThat(first.json().get("has_more").asBoolean()).isTrue();
        assertThat(texts(first.json().get("answered_nodes"))).containsExactly("node-a", "node-b", "node-c");
        assertThat(first.json().get("unanswered_nodes")).isEmpty();
        assertThat(second.json().get("count").asInt()).isEqualTo(1);
        assertThat(second.json().get("has_more").asBoolean()).isFalse();
        Set<String> listed = new HashSet<>();
        for (AdminHttp.Response r : List.of(first, second)) {
            for (JsonNode conn : r.json().get("connections")) {
                String id = conn.get("connection_id").asString();
                assertThat(listed.add(id)).as("listed once: " + id).isTrue();
                assertThat(conn.get("node_id").asString()).isEqualTo(nodeOf.get(id));
            }
        }
        assertThat(listed).isEqualTo(nodeOf.keySet());

        AdminHttp.Response bobs = AdminHttp.get(url + "?user_id=bob", ADMIN);
        assertThat(bobs.json().get("total").asInt()).isEqualTo(2);
        bobs.json().get("connections").forEach(conn -> assertThat(conn.get("node_id").asString()).isEqualTo("node-b"));

        AdminHttp.Response one = AdminHttp.get(url + "/" + idOf(c), ADMIN);
        assertThat(one.status()).isEqualTo(200);
        assertThat(one.json().get("node_id").asString()).isEqualTo("node-c");
        assertThat(one.json().get("user_id").asString()).isEqualTo("alice");
        assertThat(AdminHttp.get(url + "/no-such-id", ADMIN).status()).isEqualTo(404);

        ConnectionPage page = hub(1).admin().clusterConnections("alice", null, 1, 10).block(T);
        assertThat(page.connections()).extracting(i -> i.nodeId()).containsExactlyInAnyOrder("node-a", "node-c");
    }

    @Test
    void aPageOutOfRangeIsABadRequestThatSaysTheRange() {
        String url = hubs.node(0).adminUrl() + "/connections";

        AdminHttp.Response zero = AdminHttp.get(url + "?limit=0", ADMIN);
        AdminHttp.Response deep = AdminHttp.get(url + "?limit=100&page=51", ADMIN);
        AdminHttp.Response word = AdminHttp.get(url + "?page=two", ADMIN);

        assertThat(zero.status()).isEqualTo(400);
        assertThat(zero.json().get("error").asString()).isEqualTo("limit must be 1..500, was 0");
        assertThat(deep.status()).isEqualTo(400);
        assertThat(deep.json().get("error").asString()).contains("page must be 1..50 with limit 100", "was 51");
        assertThat(word.status()).isEqualTo(400);
        assertThat(word.json().get("error").asString()).isEqualTo("\"page\" must be a whole number, was 'two'");
    }

    @Test
    void sendToUserSkipsTheExcludedConnectionsHereAndOnTheOtherNodes() {
        ReactorNettyTestClient senderA = hubs.client(0, "tok-alice");
        ReactorNettyTestClient otherA = hubs.client(0, "tok-alice");
        ReactorNettyTestClient excludedB = hubs.client(1, "tok-alice");
        ReactorNettyTestClient onC = hubs.client(2, "tok-alice");

        int reached = hub(0).sendToUser("alice", "dm", 1, Set.of(idOf(senderA), idOf(excludedB)));

        assertThat(reached).isEqualTo(1);
        otherA.next("dm");
        onC.next("dm");
        hub(0).sendToUser("alice", "marker", 2);
        for (ReactorNettyTestClient skipped : List.of(senderA, excludedB)) {
            skipped.next("marker");
            assertThat(skipped.received()).noneMatch(m -> m.is("dm"));
        }
    }

    private static List<String> texts(JsonNode array) {
        return array.valueStream().map(JsonNode::asString).toList();
    }
}
