package io.reactivewspool.spring.test;

import java.util.Objects;
import java.util.function.Supplier;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * One Spring Boot application for a whole test class: started before its first test, closed after
 * its last. For tests that each close what they open and leave the application as they found it.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final RunningApp APP = new RunningApp(() -> LoopbackApp.of(SecuredApp.class));
 *
 * @Test
 * void anonymousUpgradeIsAnonymous() {
 *     ReactorNettyTestClient c = ReactorNettyTestClient.connect(APP.wsUrl());
 * }
 * }</pre>
 */
public final class RunningApp implements BeforeAllCallback, AfterAllCallback {

    private final Supplier<SpringApplicationBuilder> application;
    private ConfigurableApplicationContext context;

    /** @param application the application to start, as {@link LoopbackApp} builds it */
    public RunningApp(Supplier<SpringApplicationBuilder> application) {
        this.application = Objects.requireNonNull(application, "application");
    }

    @Override
    public void beforeAll(ExtensionContext extension) {
        context = application.get().run();
    }

    @Override
    public void afterAll(ExtensionContext extension) {
        if (context != null) {
            context.close();
        }
    }

    /** The running application. */
    public ConfigurableApplicationContext context() {
        return Objects.requireNonNull(context, "the application starts before the class's first test");
    }

    /** Its port on 127.0.0.1. */
    public int port() {
        return LoopbackApp.port(context());
    }

    /** Its hub's default WebSocket endpoint. */
    public String wsUrl() {
        return LoopbackApp.wsUrl(context());
    }
}
