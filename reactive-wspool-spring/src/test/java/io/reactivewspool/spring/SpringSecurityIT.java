package io.reactivewspool.spring;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

import io.reactivewspool.message.WsMessage;
import io.reactivewspool.spring.test.LoopbackApp;
import io.reactivewspool.test.ReactorNettyTestClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With Spring Security, the authenticated principal of the upgrade request is the connection's
 * user, and the admin API is open only to principals with ROLE_WSPOOL_ADMIN.
 */
class SpringSecurityIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    // One application for the tests: each closes what it opens, and none changes the application.
    private static ConfigurableApplicationContext app;
    private static int port;

    @BeforeAll
    static void start() {
        app = LoopbackApp.of(SecuredApp.class).run();
        port = LoopbackApp.port(app);
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private int adminStatus(String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/admin/websockets/stats"))
                .timeout(Duration.ofSeconds(10));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void authenticatedPrincipalBecomesTheConnectionsUser() {
        ReactorNettyTestClient carol = ReactorNettyTestClient.connect("ws://127.0.0.1:" + port + "/ws", Map.of("Authorization", basic("carol", "carol-pw")));
        WsMessage welcome = carol.welcome();
        assertThat(welcome.data().get("user_id").asString()).isEqualTo("carol");
        carol.close();
    }

    @Test
    void anonymousUpgradeIsAnonymousWithoutAnApplicationAuthenticator() {
        ReactorNettyTestClient anon = ReactorNettyTestClient.connect("ws://127.0.0.1:" + port + "/ws");
        assertThat(anon.welcome().data().get("user_id").isNull()).isTrue();
        anon.close();
    }

    @Test
    void adminApiNeedsTheAdminRole() throws Exception {
        assertThat(adminStatus(null)).isEqualTo(401);
        assertThat(adminStatus(basic("carol", "carol-pw"))).isEqualTo(403);
        assertThat(adminStatus(basic("ops", "ops-pw"))).isEqualTo(200);
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(BasicAuthSecurity.class)
    static class SecuredApp {
    }
}
