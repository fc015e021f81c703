package io.reactivewspool.samples.chat;

import java.time.Duration;
import java.util.Map;

import io.reactivewspool.message.WsMessage;
import io.reactivewspool.test.AdminHttp;
import io.reactivewspool.test.ReactorNettyTestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The chat app as a whole over real sockets: its message types, the admin API's access rules,
 * the Actuator endpoint, health and meters after traffic, and a graceful shutdown that closes
 * clients with 1001. Each test starts its own application on a free port.
 */
class ChatApplicationIT {

    private static final String ADMIN = "chat-it-admin";
    private ConfigurableApplicationContext app;
    private int port;

    private void start(String... extra) {
        String[] props = new String[] {"server.port=0", "server.address=127.0.0.1", "spring.main.banner-mode=off",
                "wspool.admin.token=" + ADMIN, "chat.users.alice=alice-token", "wspool.server.close-drain-period=0s"};
        app = new SpringApplicationBuilder(ChatApplication.class).properties(props).properties(extra).run();
        port = Integer.parseInt(app.getEnvironment().getRequiredProperty("local.server.port"));
    }

    @AfterEach
    void stop() {
        if (app != null) {
            app.close();
        }
    }

    private ReactorNettyTestClient connect(String query) {
        ReactorNettyTestClient c = ReactorNettyTestClient.connect("ws://127.0.0.1:" + port + "/ws?" + query);
        c.welcome();
        return c;
    }

    @Test
    void roomsChatAndDirectMessagesFollowTheChatProtocol() {
        start();
        ReactorNettyTestClient alice = connect("token=alice-token");
        ReactorNettyTestClient bob = connect("name=bob");

        alice.send(WsMessage.builder("join").topic("chat.lobby").id("j1").build());
        WsMessage joined = alice.next("joined");
        assertThat(joined.id()).isEqualTo("j1");
        assertThat(joined.data().get("members").toString()).contains("alice");

        bob.send(WsMessage.builder("join").topic("chat.lobby").id("j2").build());
        assertThat(alice.next("member_joined").data().get("user").asString()).isEqualTo("bob");
        bob.next("joined");

        bob.send(WsMessage.builder("chat").topic("chat.lobby").data(Map.of("text", "hi all")).build());
        WsMessage chat = alice.next("chat");
        assertThat(chat.data().get("from").asString()).isEqualTo("bob");
        assertThat(chat.data().get("text").asString()).isEqualTo("hi all");

        bob.send(WsMessage.builder("direct").data(Map.of("to", "alice", "text", "psst")).id("d1").build());
        assertThat(alice.next("notification").data().get("text").asString()).isEqualTo("psst");
        assertThat(bob.next("direct_sent").data().get("delivered").asInt()).isEqualTo(1);

        bob.close();
        assertThat(alice.next("member_left").data().get("user").asString()).isEqualTo("bob");
        alice.close();
    }

    @Test
    void chatMistakesAreAnsweredWithWhatWasWrong() {
        start();
        ReactorNettyTestClient guest = connect("name=carol");
        guest.send(WsMessage.builder("chat").topic("chat.lobby").data(Map.of("text", "x")).id("c1").build());
        WsMessage notJoined = guest.next("error");
        assertThat(notJoined.id()).isEqualTo("c1");
        assertThat(notJoined.error()).isEqualTo("join chat.lobby before writing to it");

        guest.send(WsMessage.builder("join").topic("lobby").id("c2").build());
        assertThat(guest.next("error").error()).contains("topic must be a room such as \"chat.lobby\"");
        guest.close();
    }

    @Test
    void guestCannotTakeAConfiguredUsersNameNorConnectWithoutOne() {
        start();
        assertThat(ReactorNettyTestClient.start("ws://127.0.0.1:" + port + "/ws?name=alice", Map.of()).handshakeStatus()).isEqualTo(401);
        assertThat(ReactorNettyTestClient.start("ws://127.0.0.1:" + port + "/ws", Map.of()).handshakeStatus()).isEqualTo(401);
        assertThat(ReactorNettyTestClient.start("ws://127.0.0.1:" + port + "/ws?token=wrong", Map.of()).handshakeStatus()).isEqualTo(401);
    }

    @Test
    void adminApiNeedsTheToken() {
        start();
        String stats = "http://127.0.0.1:" + port + "/api/admin/websockets/stats";
        assertThat(AdminHttp.get(stats, null).status()).isEqualTo(401);
        assertThat(AdminHttp.get(stats, "nope").status()).isEqualTo(403);
        assertThat(AdminHttp.get(stats, ADMIN).status()).isEqualTo(200);
    }

    @Test
    void adminApiWithoutAConfiguredTokenRefusesEveryone() {
        start("wspool.admin.token=");
        assertThat(AdminHttp.get("http://127.0.0.1:" + port + "/api/admin/websockets/stats", ADMIN).status()).isEqualTo(403);
    }

    @Test
    void actuatorEndpointHealthAndMetersReflectTraffic() {
        start();
        ReactorNettyTestClient alice = connect("token=alice-token");
        alice.send(WsMessage.builder("join").topic("chat.metrics").id("j").build());
        alice.next("joined");
        alice.send(WsMessage.builder("chat").topic("chat.metrics").data(Map.of("text", "count me")).build());
        alice.next("chat");

        String base = "http://127.0.0.1:" + port + "/actuator";
        JsonNode endpoint = AdminHttp.get(base + "/websockets", null).json();
        assertThat(endpoint.get("activeConnections").asInt()).isEqualTo(1);
        assertThat(endpoint.get("topicSubscribers").get("chat.metrics").asInt()).isEqualTo(1);

        JsonNode health = AdminHttp.get(base + "/health", null).json();
        assertThat(health.at("/components/websockets/status").asString()).isEqualTo("UP");

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            JsonNode sent = AdminHttp.get(base + "/metrics/wspool.hub.messages?tag=direction:sent", null).json();
            assertThat(sent.at("/measurements/0/value").asDouble()).isGreaterThanOrEqualTo(3.0);
        });
        assertThat(AdminHttp.get(base + "/metrics/wspool.hub.connections", null).json().at("/measurements/0/value").asDouble())
                .isEqualTo(1.0);
        alice.close();
    }

    @Test
    void shutdownClosesClientsWith1001BeforeTheServerStops() {
        start();
        ReactorNettyTestClient alice = connect("token=alice-token");
        ReactorNettyTestClient bob = connect("name=bob");
        app.close();
        app = null;
        assertThat(alice.awaitCloseCode()).isEqualTo(1001);
        assertThat(bob.awaitCloseCode()).isEqualTo(1001);
    }
}
