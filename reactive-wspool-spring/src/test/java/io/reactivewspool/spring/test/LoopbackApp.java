package io.reactivewspool.spring.test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ApplicationContext;
import org.springframework.core.env.MapPropertySource;

/**
 * A Spring Boot application for a test: on 127.0.0.1, on a free port, without the banner, closing
 * without a drain period. Spring Security is on the test class path, so an application that brings
 * no security of its own starts {@link #withoutSecurity} (else Boot would guard every path with a
 * generated password).
 *
 * <pre>{@code
 * try (ConfigurableApplicationContext app = LoopbackApp.withoutSecurity(App.class, "wspool.server.compression=true").run()) {
 *     ReactorNettyTestClient c = ReactorNettyTestClient.connect(LoopbackApp.wsUrl(app));
 * }
 * }</pre>
 */
public final class LoopbackApp {

    private static final String WITHOUT_SECURITY = "spring.autoconfigure.exclude="
            + "org.springframework.boot.security.autoconfigure.web.reactive.ReactiveWebSecurityAutoConfiguration,"
            + "org.springframework.boot.security.autoconfigure.ReactiveUserDetailsServiceAutoConfiguration,"
            + "org.springframework.boot.security.autoconfigure.actuate.web.reactive.ReactiveManagementWebSecurityAutoConfiguration";

    private LoopbackApp() {
    }

    /**
     * {@code application} on loopback with {@code properties} ({@code key=value}) added; Spring
     * Security stays as the application configures it. These properties override the
     * application's own {@code application.properties} (the chat sample's names port 8080).
     */
    public static SpringApplicationBuilder of(Class<?> application, String... properties) {
        Map<String, Object> test = new LinkedHashMap<>();
        for (String p : Stream.concat(Stream.of("server.port=0", "server.address=127.0.0.1",
                "wspool.server.close-drain-period=0s"), Stream.of(properties)).toList()) {
            int eq = p.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("property must be key=value, was '" + p + "'");
            }
            test.put(p.substring(0, eq), p.substring(eq + 1));
        }
        return new SpringApplicationBuilder(application)
                .properties("spring.main.banner-mode=off")
                // Default properties rank below application.properties: these go first instead.
                .initializers(c -> c.getEnvironment().getPropertySources().addFirst(new MapPropertySource("loopback-test", test)));
    }

    /** {@code application} on loopback with {@code properties} added and Spring Security's auto-configuration left out. */
    public static SpringApplicationBuilder withoutSecurity(Class<?> application, String... properties) {
        return of(application, Stream.concat(Stream.of(properties), Stream.of(WITHOUT_SECURITY)).toArray(String[]::new));
    }

    /** The port the running application listens on. */
    public static int port(ApplicationContext app) {
        return Integer.parseInt(app.getEnvironment().getRequiredProperty("local.server.port"));
    }

    /** The hub's default WebSocket endpoint of the running application. */
    public static String wsUrl(ApplicationContext app) {
        return "ws://127.0.0.1:" + port(app) + "/ws";
    }
}
