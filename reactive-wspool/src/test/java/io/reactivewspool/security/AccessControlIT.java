package io.reactivewspool.security;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.Authenticator;
import io.reactivewspool.server.TopicPolicy;
import io.reactivewspool.server.WsConnectionView;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.test.AdminHttp;
import io.reactivewspool.test.HubFixture;
import io.reactivewspool.test.ReactorNettyTestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Who may connect, administer, read and write, over real sockets. Complements the conformance
 * rows ({@code HubConformanceSuite}: foreign origin 403, wrong token 401, admin without
 * credentials 401 and with wrong ones 403, publish outside the policy, subscribe denied) and
 * {@code WsServerIT#sendToUserReachesOnlyThatUsersConnectionsOverSockets} with the attacker's
 * variations: near-miss origins, refused admin calls that must change nothing, direct messages
 * between users who share every topic, and a per-user topic policy.
 */
class AccessControlIT {

    private static final String ADMIN = "ACCESS-ADMIN";
    private static final Map<String, String> TOKENS = Map.of("T-ALICE", "alice", "T-BOB", "bob");

    private static WsHubOptions.Builder base() {
        return WsHubOptions.builder().authenticator(Authenticator.tokens(TOKENS)).closeDrainPeriod(Duration.ZERO);
    }

    private static ReactorNettyTestClient as(HubFixture f, String token) {
        ReactorNettyTestClient c = ReactorNettyTestClient.connect(f.wsUrl() + "?token=" + token);
        c.welcome();
        return c;
    }

    // ------------------------------------------------------------ cross-site WebSocket hijacking

    /** Origins that look like the allowed one to a careless comparison (prefix, suffix, scheme, port, null). */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"https://app.example.evil.com", "https://evil.com/https://app.example", "https://evilapp.example",
        "http://app.example", "https://app.example:8443", "wss://app.example", "null", "https://app.example.", "",
        "https://app.example@evil.com"})
    void nearMissOriginIsRefusedWith403BeforeAuthentication(String origin) {
        try (HubFixture f = HubFixture.start(base().allowedOrigins(Set.of("https://app.example")).build())) {
            ReactorNettyTestClient c = ReactorNettyTestClient.start(f.wsUrl() + "?token=T-ALICE", Map.of("Origin", origin));
            assertThat(c.handshakeStatus()).isEqualTo(403);
            assertThat(f.hub().admin().stats().totalConnections()).isZero();
            // The same valid token from the allowed origin is accepted: the refusal was the origin's.
            ReactorNettyTestClient ok = ReactorNettyTestClient.start(f.wsUrl() + "?token=T-ALICE", Map.of("Origin", "https://app.example"));
            assertThat(ok.handshakeStatus()).isEqualTo(101);
            ok.close();
        }
    }

    @Test
    void withoutConfiguredOriginsAForeignOriginWithAValidTokenIsRefused() {
        try (HubFixture f = HubFixture.start(base().build())) {
            String port = String.valueOf(f.server().port());
            for (String origin : List.of("https://evil.example", "http://127.0.0.1:" + port + ".evil.example",
                    "http://127.0.0.2:" + port, "http://127.0.0.1:1" + port)) {
                assertThat(ReactorNettyTestClient.start(f.wsUrl() + "?token=T-ALICE", Map.of("Origin", origin)).handshakeStatus())
                        .as(origin).isEqualTo(403);
            }
            assertThat(f.hub().admin().stats().totalConnections()).isZero();
        }
    }

    // ------------------------------------------------------------ admin API

    /** Refused admin calls (no, wrong, misplaced or differently-schemed credentials) answer 401/403 and change nothing. */
    @Test
    void refusedAdminCallsAreRefusedOnEveryRouteAndChangeNothing() {
        try (HubFixture f = HubFixture.start(base().build(), ADMIN)) {
            ReactorNettyTestClient alice = as(f, "T-ALICE");
            alice.send(WsMessage.subscribe("news"));
            alice.next("subscribed");
            String api = f.adminUrl();
            for (String token : new String[] {null, "WRONG", ADMIN + "x", ADMIN.substring(1), ADMIN.toLowerCase()}) {
                int expected = token == null ? 401 : 403;
                assertThat(AdminHttp.get(api + "/stats", token).status()).as("stats with %s", token).isEqualTo(expected);
                assertThat(AdminHttp.get(api + "/connections", token).status()).isEqualTo(expected);
                assertThat(AdminHttp.get(api + "/connections?user_id=alice", token).status()).isEqualTo(expected);
                assertThat(AdminHttp.post(api + "/disconnect", token, "{\"user_id\": \"alice\", \"reason\": \"x\"}").status()).isEqualTo(expected);
                assertThat(AdminHttp.post(api + "/broadcast", token,
                        "{\"topic\": \"news\", \"message_type\": \"forged\", \"data\": {}}").status()).isEqualTo(expected);
                assertThat(AdminHttp.post(api + "/cleanup", token, "").status()).isEqualTo(expected);
            }
            // The admin token anywhere but the Authorization header is no credential.
            assertThat(AdminHttp.get(api + "/stats?token=" + ADMIN, null).status()).isEqualTo(401);
            // Nothing happened: alice is still connected and got no forged broadcast.
            alice.send(WsMessage.ping().withId("still-here"));
            assertThat(alice.next().id()).isEqualTo("still-here");
            assertThat(alice.received()).noneMatch(m -> m.is("forged"));
            assertThat(f.hub().admin().stats().activeConnections()).isEqualTo(1);
            // And the right token works on the same routes.
            assertThat(AdminHttp.get(api + "/stats", ADMIN).status()).isEqualTo(200);
            alice.close();
        }
    }

    // ------------------------------------------------------------ direct messages

    /**
     * Alice and Bob, two connections each, subscribed to the same topics: every direct send to a
     * user or a connection reaches exactly its addressees, never the other user, while a topic
     * broadcast still reaches all four.
     */
    @Test
    void directMessagesReachOnlyTheirAddresseeEvenWhenUsersShareTopics() {
        try (HubFixture f = HubFixture.start(base().build())) {
            ReactorNettyTestClient a1 = as(f, "T-ALICE");
            ReactorNettyTestClient a2 = as(f, "T-ALICE");
            ReactorNettyTestClient b1 = as(f, "T-BOB");
            ReactorNettyTestClient b2 = as(f, "T-BOB");
            List<ReactorNettyTestClient> all = List.of(a1, a2, b1, b2);
            for (ReactorNettyTestClient c : all) {
                c.send(WsMessage.subscribe("room"));
                c.next("subscribed");
                c.send(WsMessage.subscribe("user.alice"));   // a topic named after the other user gives no access either
                c.next("subscribed");
            }
            String a1Id = f.hub().admin().connections("alice", null).get(0).connectionId();
            int rounds = 50;
            for (int i = 0; i < rounds; i++) {
                assertThat(f.hub().sendToUser("alice", "dm", Map.of("to", "alice", "n", i))).isEqualTo(2);
                assertThat(f.hub().sendToUser("bob", "dm", Map.of("to", "bob", "n", i))).isEqualTo(2);
            }
            assertThat(f.hub().sendTo(a1Id, WsMessage.of("dm", null, Map.of("to", "a1", "n", -1)))).isTrue();
            assertThat(f.hub().broadcast("room", "marker", null)).isEqualTo(4);
            for (ReactorNettyTestClient c : all) {
                c.next("marker"); // the broadcast comes after every direct send above: all of them have arrived
            }
            assertThat(dms(a1)).hasSize(rounds + 1).allMatch(to -> to.equals("alice") || to.equals("a1"));
            assertThat(dms(a2)).hasSize(rounds).allMatch("alice"::equals);
            assertThat(dms(b1)).hasSize(rounds).allMatch("bob"::equals);
            assertThat(dms(b2)).hasSize(rounds).allMatch("bob"::equals);
            all.forEach(ReactorNettyTestClient::close);
        }
    }

    private static List<String> dms(ReactorNettyTestClient c) {
        return c.received().stream().filter(m -> m.is("dm")).map(m -> m.data().get("to").asString()).toList();
    }

    // ------------------------------------------------------------ topic policy

    /** Each user may read {@code user.<self>.*} and {@code public.*}, and write only {@code user.<self>.outbox}. */
    private static final TopicPolicy OWN_TOPICS = new TopicPolicy() {
        @Override
        public boolean canSubscribe(WsConnectionView connection, String topic) {
            return topic.startsWith("public.") || topic.startsWith("user." + connection.userId() + ".");
        }

        @Override
        public boolean canPublish(WsConnectionView connection, String topic) {
            return topic.equals("user." + connection.userId() + ".outbox") || topic.equals("public.board");
        }
    };

    @Test
    void perUserTopicPolicyIsEnforcedForSubscribeAndPublishWithoutSideEffects() {
        try (HubFixture f = HubFixture.start(base().topicPolicy(OWN_TOPICS).build())) {
            ReactorNettyTestClient alice = as(f, "T-ALICE");
            ReactorNettyTestClient bob = as(f, "T-BOB");
            bob.send(WsMessage.subscribe("user.bob.outbox"));
            bob.next("subscribed");
            bob.send(WsMessage.subscribe("public.board"));
            bob.next("subscribed");

            // Subscribe: alice may not read bob's topics, and a refused subscription receives nothing.
            alice.send(WsMessage.subscribe("user.bob.outbox").withId("s1"));
            WsMessage refused = alice.next();
            assertThat(refused.type()).isEqualTo("error");
            assertThat(refused.id()).isEqualTo("s1");
            assertThat(refused.error()).contains("not allowed to subscribe");
            assertThat(f.hub().admin().stats().topicSubscribers()).containsEntry("user.bob.outbox", 1);
            assertThat(f.hub().broadcast("user.bob.outbox", "private", Map.of("for", "bob"))).isEqualTo(1);
            assertThat(bob.next("private").data().get("for").asString()).isEqualTo("bob");

            // Publish: alice may not write to bob's topic; nothing reaches bob; her own outbox works.
            alice.send(WsMessage.publish("user.bob.outbox", Map.of("forged", true)).withId("p1"));
            WsMessage denied = alice.next();
            assertThat(denied.type()).isEqualTo("error");
            assertThat(denied.id()).isEqualTo("p1");
            assertThat(denied.error()).contains("not allowed to publish");
            alice.send(WsMessage.publish("user.alice.outbox", Map.of("mine", true)).withId("p2"));
            assertThat(alice.next().type()).isEqualTo("published");
            alice.send(WsMessage.publish("public.board", Map.of("hello", "bob")).withId("p3"));
            assertThat(alice.next().type()).isEqualTo("published");
            WsMessage board = bob.next("data");
            assertThat(board.topic()).isEqualTo("public.board");
            assertThat(bob.received()).noneMatch(m -> m.data() != null && m.data().has("forged"));

            // The policy sees the connection's own user: bob may do what alice may not.
            bob.send(WsMessage.publish("user.bob.outbox", Map.of("own", true)).withId("p4"));
            assertThat(bob.next("published").id()).isEqualTo("p4");
            alice.close();
            bob.close();
        }
    }
}
