package io.reactivewspool.spring;

import io.reactivewspool.server.WsHub;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.test.HubConformanceSuite;
import io.reactivewspool.test.ServerFactory;
import io.reactivewspool.test.ServerUnderTest;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Every row of the wire protocol, run against the hub served by WebFlux through the starter, with
 * the same tests as the Reactor Netty server: the two transports must be indistinguishable on the wire.
 */
public class SpringHubConformanceIT extends HubConformanceSuite {

    @Override
    protected ServerFactory factory() {
        return factory(ConformanceApp.class);
    }

    /**
     * Starts {@code application} on a free port with the suite's hub options in place of its own
     * (the options bean backs the auto-configured hub off), so any Spring Boot app built on the
     * starter can run the protocol suite: the chat sample does.
     */
    public static ServerFactory factory(Class<?> application) {
        return (options, adminToken) -> start(application, options, adminToken);
    }

    static ServerUnderTest start(Class<?> application, WsHubOptions options, String adminToken) {
        ConfigurableApplicationContext ctx = new SpringApplicationBuilder(application)
                .properties("server.port=0", "server.address=127.0.0.1", "spring.main.banner-mode=off",
                        "wspool.admin.token=" + (adminToken == null ? "" : adminToken),
                        "spring.autoconfigure.exclude="
                                + "org.springframework.boot.security.autoconfigure.web.reactive.ReactiveWebSecurityAutoConfiguration,"
                                + "org.springframework.boot.security.autoconfigure.ReactiveUserDetailsServiceAutoConfiguration,"
                                + "org.springframework.boot.security.autoconfigure.actuate.web.reactive.ReactiveManagementWebSecurityAutoConfiguration")
                .initializers(c -> c.getBeanFactory().registerSingleton("wsHubOptions", options))
                .run();
        int port = Integer.parseInt(ctx.getEnvironment().getRequiredProperty("local.server.port"));
        WsHub hub = ctx.getBean(WsHub.class);
        return new ServerUnderTest() {
            @Override
            public String wsUrl() {
                return "ws://127.0.0.1:" + port + "/ws";
            }

            @Override
            public String adminUrl() {
                return "http://127.0.0.1:" + port + "/api/admin/websockets";
            }

            @Override
            public WsHub hub() {
                return hub;
            }

            @Override
            public void close() {
                ctx.close();
            }
        };
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class ConformanceApp {
    }
}
