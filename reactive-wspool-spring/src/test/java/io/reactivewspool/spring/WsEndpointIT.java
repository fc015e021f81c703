package io.reactivewspool.spring;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.spring.test.LoopbackApp;
import io.reactivewspool.spring.test.RunningApp;
import io.reactivewspool.test.ReactorNettyTestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@link WsEndpoint}: an endpoint with fixed topics and required authentication, beside the default one. */
class WsEndpointIT {

    @RegisterExtension
    static final RunningApp APP = new RunningApp(() -> LoopbackApp.withoutSecurity(EndpointApp.class));

    @Test
    void endpointSubscribesItsConnectionsToItsTopics() {
        ReactorNettyTestClient c = ReactorNettyTestClient.connect("ws://127.0.0.1:" + APP.port() + "/ws/notifications");
        c.welcome();
        assertThat(c.next("subscribed").topic()).isEqualTo("notifications");
        WsHub hub = APP.context().getBean(WsHub.class);
        await().until(() -> hub.broadcast("notifications", "notice", Map.of("text", "deploy at 5")) == 1);
        assertThat(c.next("notice").data().get("text").asString()).isEqualTo("deploy at 5");
        c.close();
    }

    @Test
    void endpointThatRequiresAuthenticationRefusesAnonymousUpgradesWith401() {
        // /ws/private requires a user; with no Authenticator every connection is anonymous.
        assertThat(ReactorNettyTestClient.start("ws://127.0.0.1:" + APP.port() + "/ws/private", Map.of()).handshakeStatus()).isEqualTo(401);
    }

    @Test
    void defaultEndpointStillServesWithoutTheTopics() {
        ReactorNettyTestClient c = ReactorNettyTestClient.connect(APP.wsUrl());
        c.welcome();
        c.send(WsMessage.ping().withId("p"));
        assertThat(c.next("pong").id()).isEqualTo("p");
        assertThat(c.received()).noneMatch(m -> m.is(WsMessage.SUBSCRIBED));
        c.close();
    }

    @Test
    void theDashboardIsOffUnlessAPropertyTurnsItOn() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + APP.port() + "/api/admin/websockets/dashboard/")).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isNotEqualTo(200);
        assertThat(r.body()).doesNotContain("Operator dashboard");
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class EndpointApp {
        @Bean
        Notifications notifications() {
            return new Notifications();
        }

        @Bean
        Private privateEndpoint() {
            return new Private();
        }
    }

    /** Connections are anonymous here (no Authenticator): this endpoint only pushes its topic. */
    @WsEndpoint(path = "/ws/notifications", topics = "notifications")
    static class Notifications {
    }

    @WsEndpoint(path = "/ws/private", topics = "secrets", requireAuth = true)
    static class Private {
    }
}
