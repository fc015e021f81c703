package io.reactivewspool.broker.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.Authenticator;
import io.reactivewspool.server.TopicPolicy;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.test.AdminHttp;
import io.reactivewspool.test.HubFixture;
import io.reactivewspool.test.RawWsClient;
import io.reactivewspool.test.RedisServerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Cluster-wide admin operations between two hubs sharing one real redis-server. */
class RedisClusterAdminIT {

    private static final Duration T = Duration.ofSeconds(10);
    private static final String ADMIN = "admin-secret";
    private static final Map<String, String> TOKENS = Map.of("tok-alice", "alice", "tok-bob", "bob");

    private RedisServerProcess redis;
    private final List<HubFixture> nodes = new ArrayList<>();
    private final List<RawWsClient> clients = new ArrayList<>();

    @BeforeEach
    void start() {
        redis = RedisServerProcess.start();
        for (String name : List.of("node-a", "node-b")) {
            RedisBroker broker = RedisBroker.connect(RedisBrokerOptions.builder(redis.uri()).nodeId(name)
                    .commandTimeout(Duration.ofSeconds(1)).build()).block(T);
            nodes.add(HubFixture.start(WsHubOptions.builder()
                    .broker(broker)
                    .authenticator(Authenticator.tokens(TOKENS))
                    .topicPolicy(TopicPolicy.publishTo(List.of("*")))
                    .closeDrainPeriod(Duration.ZERO)
                    .build(), ADMIN));
        }
    }

    @AfterEach
    void stop() {
        clients.forEach(RawWsClient::close);
        nodes.forEach(HubFixture::close);
        redis.close();
    }

    private HubFixture node(int i) {
        return nodes.get(i);
    }

    private RawWsClient client(int node, String token) {
        RawWsClient c = RawWsClient.connect(node(node).wsUrl() + "?token=" + token);
        clients.add(c);
        c.welcome();
        return c;
    }

    private RawWsClient subscriber(int node, String token, String topic) {
        RawWsClient c = client(node, token);
        c.send(WsMessage.subscribe(topic).withId("s"));
        assertThat(c.next("subscribed").id()).isEqualTo("s");
        return c;
    }

    @Test
    void disconnectUserOnOneNodeClosesTheUsersConnectionsOnTheOtherWith1000AndTheReason() {
        RawWsClient aliceA = client(0, "tok-alice");
        RawWsClient aliceB = client(1, "tok-alice");
        RawWsClient bobB = client(1, "tok-bob");

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
        RawWsClient onA = subscriber(0, "tok-alice", "orders");
        RawWsClient onB = subscriber(1, "tok-bob", "orders");
        RawWsClient otherB = subscriber(1, "tok-bob", "prices");

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
        RawWsClient named = client(1, "tok-alice");
        RawWsClient kept = client(1, "tok-alice");

        assertThat(node(0).hub().admin().disconnect(List.of(idOf(named), "unknown-id"), "bye").block(T)).isZero();

        assertThat(named.awaitCloseCode()).isEqualTo(1000);
        assertThat(named.closeReason()).isEqualTo("bye");
        node(1).hub().sendToUser("alice", "still_here", 1);
        kept.next("still_here");
        assertThat(kept.isClosed()).isFalse();
    }

    private static String idOf(RawWsClient c) {
        return c.received().get(0).data().get("connection_id").asString();
    }
}
