package io.reactivewspool.spring;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import io.reactivewspool.broker.redis.RedisBroker;
import io.reactivewspool.history.TopicHistory;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.spring.test.LoopbackApp;
import io.reactivewspool.testsupport.RedisServerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The starter on a real redis-server: the broker and the Redis history come from the
 * application's Spring Data Redis settings, health follows Redis down and back up, and a Redis
 * outage takes readiness down but never liveness.
 */
class SpringRedisBrokerIT {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private RedisServerProcess redis;
    private ConfigurableApplicationContext app;

    @AfterEach
    void stop() {
        if (app != null) {
            app.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void springDataRedisSettingsGiveTheHubARedisBrokerAndHealthFollowsRedis() {
        redis = RedisServerProcess.start();
        app = start("wspool.history.size=20", "spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + redis.port());
        RedisBroker broker = app.getBean(RedisBroker.class);
        assertThat(broker.options().uri()).isEqualTo("redis://127.0.0.1:" + redis.port() + "/0");
        assertThat(app.getBean(WsHubOptions.class).broker()).isSameAs(broker);
        assertThat(app.getBean(WsHubOptions.class).history()).isSameAs(app.getBean(TopicHistory.class));

        WsHubHealthIndicator health = app.getBean(WsHubHealthIndicator.class);
        assertThat(health.health().getStatus()).isEqualTo(Status.UP);

        redis.kill();
        await().atMost(Duration.ofSeconds(10)).until(() -> health.health().getStatus().equals(Status.DOWN));
        assertThat(health.health().getDetails()).containsEntry("brokerConnected", false);

        redis.restart();
        await().atMost(Duration.ofSeconds(30)).until(() -> health.health().getStatus().equals(Status.UP));
    }

    /**
     * Spring Boot's probes over HTTP: {@code /actuator/health/liveness} stays UP through the outage
     * (an orchestrator must not restart every instance at once for it) while
     * {@code /actuator/health/readiness} goes DOWN with 503 and comes back UP with Redis.
     */
    @Test
    void aRedisOutageTakesReadinessDownAndLeavesLivenessUp() throws Exception {
        redis = RedisServerProcess.start();
        // The probe groups show no components (whatever show-components says): their statuses say it all.
        app = start("wspool.broker.redis.uri=" + redis.uri(), "management.endpoint.health.show-components=always");
        String base = "http://127.0.0.1:" + app.getEnvironment().getRequiredProperty("local.server.port") + "/actuator/health";
        Duration t = Duration.ofSeconds(30);
        String up = "{\"status\":\"UP\"}";

        await().atMost(t).untilAsserted(() -> assertThat(get(base + "/readiness")).isEqualTo("200 " + up));
        assertThat(get(base + "/liveness")).isEqualTo("200 " + up);

        redis.kill();
        await().atMost(t).untilAsserted(() -> assertThat(get(base + "/readiness")).isEqualTo("503 {\"status\":\"DOWN\"}"));
        assertThat(get(base + "/liveness")).isEqualTo("200 " + up);
        assertThat(get(base)).startsWith("503 ").contains("\"websockets\":{\"status\":\"DOWN\"");

        redis.restart();
        await().atMost(t).untilAsserted(() -> assertThat(get(base + "/readiness")).isEqualTo("200 " + up));
        assertThat(get(base + "/liveness")).isEqualTo("200 " + up);
    }

    private static ConfigurableApplicationContext start(String... properties) {
        return LoopbackApp.withoutSecurity(App.class, properties).run();
    }

    /** "STATUS BODY". */
    private static String get(String url) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body();
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
    }
}
