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
import io.reactivewspool.spring.test.RunningApp;
import io.reactivewspool.test.ReactorNettyTestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With Spring Security, the authenticated principal of the upgrade request is the connection's
 * user, and the admin API is open only to principals with ROLE_WSPOOL_ADMIN.
 */
class SpringSecurityIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @RegisterExtension
    static final RunningApp APP = new RunningApp(() -> LoopbackApp.of(SecuredApp.class));

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private int adminStatus(String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + APP.port() + "/api/admin/websockets/stats"))
                .timeout(Duration.ofSeconds(10));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void authenticatedPrincipalBecomesTheConnectionsUser() {
        ReactorNettyTestClient carol = ReactorNettyTestClient.connect(APP.wsUrl(), Map.of("Authorization", basic("carol", "carol-pw")));
        WsMessage welcome = carol.welcome();
        assertThat(welcome.data().get("user_id").asString()).isEqualTo("carol");
        carol.close();
    }

    @Test
    void anonymousUpgradeIsAnonymousWithoutAnApplicationAuthenticator() {
        ReactorNettyTestClient anon = ReactorNettyTestClient.connect(APP.wsUrl());
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
