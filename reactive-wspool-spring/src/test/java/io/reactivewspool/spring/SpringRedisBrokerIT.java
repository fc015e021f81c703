package io.reactivewspool.spring;

import java.time.Duration;

import io.reactivewspool.broker.redis.RedisBroker;
import io.reactivewspool.history.TopicHistory;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.test.RedisServerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The starter on a real redis-server: the broker and the Redis history come from the
 * application's Spring Data Redis settings, and health follows Redis down and back up.
 */
class SpringRedisBrokerIT {

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
        app = new SpringApplicationBuilder(App.class)
                .properties("server.port=0", "server.address=127.0.0.1", "spring.main.banner-mode=off",
                        "wspool.server.close-drain-period=0s", "wspool.history.size=20",
                        "spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + redis.port(),
                        "spring.autoconfigure.exclude="
                                + "org.springframework.boot.security.autoconfigure.web.reactive.ReactiveWebSecurityAutoConfiguration,"
                                + "org.springframework.boot.security.autoconfigure.ReactiveUserDetailsServiceAutoConfiguration,"
                                + "org.springframework.boot.security.autoconfigure.actuate.web.reactive.ReactiveManagementWebSecurityAutoConfiguration")
                .run();
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

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
    }
}
