package io.reactivewspool.spring;

import java.util.Map;

import io.reactivewspool.message.WsMessage;
import io.reactivewspool.spring.test.SharedSpringServers;
import io.reactivewspool.test.AdminHttp;
import io.reactivewspool.test.HubConformanceSuite;
import io.reactivewspool.test.ReactorNettyTestClient;
import io.reactivewspool.test.ServerFactory;
import io.reactivewspool.test.ServerUnderTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every row of the wire protocol, run against the hub served by WebFlux through the starter, with
 * the same tests as the Reactor Netty server: the two transports must be indistinguishable on the wire.
 * One application serves the tests in turn, each with a hub of its own ({@link SharedSpringServers}).
 */
public class SpringHubConformanceIT extends HubConformanceSuite {

    @RegisterExtension
    static final SharedSpringServers SERVERS = new SharedSpringServers(ConformanceApp.class, base().build(), ADMIN);

    @Override
    protected ServerFactory factory() {
        return SERVERS;
    }

    /**
     * The sharing must not leak: after one test's connection subscribed, the next test on the same
     * application sees neither the connection nor the topic, through the hub nor through the admin
     * API, and the old connection was closed with 1001 when its test ended.
     */
    @Test
    void theNextTestOnTheSameApplicationSeesNoConnectionOrTopicOfThePreviousOne() {
        ServerUnderTest first = SERVERS.start(base().build(), ADMIN);
        ReactorNettyTestClient old = ReactorNettyTestClient.connect(first.wsUrl());
        old.welcome();
        old.send(WsMessage.subscribe("news"));
        old.next("subscribed");
        assertThat(AdminHttp.get(first.adminUrl() + "/connections?topic=news", ADMIN).json().get("count").asInt()).isEqualTo(1);
        first.release();
        assertThat(old.awaitCloseCode()).isEqualTo(1001);
        old.close();

        ServerUnderTest next = SERVERS.start(base().build(), ADMIN);
        try {
            assertThat(next.wsUrl()).as("the same application serves the next test").isEqualTo(first.wsUrl());
            assertThat(next.hub()).isNotSameAs(first.hub());
            assertThat(next.hub().admin().stats().totalConnections()).isZero();
            assertThat(next.hub().broadcast("news", "alert", Map.of())).isZero();
            ReactorNettyTestClient fresh = ReactorNettyTestClient.connect(next.wsUrl());
            String id = fresh.welcome().data().get("connection_id").asString();
            JsonNode all = AdminHttp.get(next.adminUrl() + "/connections", ADMIN).json();
            assertThat(all.get("count").asInt()).isEqualTo(1);
            assertThat(all.get("connections").get(0).get("connection_id").asString()).isEqualTo(id);
            JsonNode stats = AdminHttp.get(next.adminUrl() + "/stats", ADMIN).json();
            assertThat(stats.get("total_connections").asInt()).isEqualTo(1);
            assertThat(stats.get("topic_subscribers").has("news")).isFalse();
            fresh.close();
        } finally {
            next.release();
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class ConformanceApp {
    }
}
