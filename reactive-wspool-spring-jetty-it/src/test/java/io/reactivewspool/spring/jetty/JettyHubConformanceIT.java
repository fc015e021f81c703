package io.reactivewspool.spring.jetty;

import java.util.Map;

import io.reactivewspool.spring.test.SharedSpringServers;
import io.reactivewspool.test.HubConformanceSuite;
import io.reactivewspool.test.ReactorNettyTestClient;
import io.reactivewspool.test.ServerFactory;
import io.reactivewspool.test.ServerUnderTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.util.ClassUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every row of the wire protocol against a WebFlux application on Jetty through the starter: the hub
 * serves it over {@code SpringWsTransport} (WebFlux's own WebSocket session) instead of the Reactor Netty
 * engine's transport, and must be indistinguishable on the wire.
 */
class JettyHubConformanceIT extends HubConformanceSuite {

    @RegisterExtension
    static final SharedSpringServers SERVERS = new SharedSpringServers(JettyApp.class, base().build(), ADMIN);

    @Override
    protected ServerFactory factory() {
        return SERVERS;
    }

    /** Until the starter chose the upgrade by server, it always used Reactor Netty's, which cannot upgrade on Jetty. */
    @Test
    void theStarterUpgradesOnJetty() {
        ClassLoader loader = getClass().getClassLoader();
        // Only Jetty can serve this application: Boot's Reactor Netty server is not on the class path
        // (Reactor Netty itself is, for the engine), Jetty's is.
        assertThat(ClassUtils.isPresent("org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory", loader)).isFalse();
        assertThat(ClassUtils.isPresent("org.springframework.boot.jetty.reactive.JettyReactiveWebServerFactory", loader)).isTrue();

        ServerUnderTest s = server();
        try (ReactorNettyTestClient c = ReactorNettyTestClient.start(s.wsUrl(), Map.of())) {
            assertThat(c.handshakeStatus()).as("status of a WebSocket upgrade on Jetty").isEqualTo(101);
            assertThat(c.welcome().type()).isEqualTo("welcome");
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class JettyApp {
    }
}
