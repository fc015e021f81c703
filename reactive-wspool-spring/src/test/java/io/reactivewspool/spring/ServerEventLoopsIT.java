package io.reactivewspool.spring;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.reactivewspool.server.ConnectionListener;
import io.reactivewspool.server.WsConnectionView;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.spring.internal.ServerEventLoops;
import io.reactivewspool.spring.test.LoopbackApp;
import io.reactivewspool.test.ReactorNettyTestClient;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@code wspool.server.event-loops}: WebFlux's Reactor Netty server runs the hub's connections on one
 * event loop per core of its own by default, on Reactor Netty's loops with 0, and the loops end
 * with the application.
 */
class ServerEventLoopsIT {

    @Test
    void connectionsRunOnOneLoopPerCoreOfTheStartersOwnAndTheLoopsEndWithTheApplication() throws Exception {
        try (ConfigurableApplicationContext app = LoopbackApp.withoutSecurity(ThreadApp.class).run()) {
            assertThat(app.getBean(ServerEventLoops.class).count()).isEqualTo(Runtime.getRuntime().availableProcessors());
            assertThat(openedOn(app)).startsWith("wspool-http-");
        }
        await().untilAsserted(() -> assertThat(liveThreadsNamed("wspool-http-")).isEmpty());
    }

    /**
     * Accepting runs on a thread of its own, as on the standalone server: on the connections' loop, a reconnect
     * storm of 19,500 clients overflowed the listen queue 137,069 times while that loop answered upgrades, and
     * 1,103 clients never connected (docs/BENCHMARKS-FANOUT.md, "The reconnect storm on the Spring adapter").
     */
    @Test
    void theServerAcceptsOnAThreadOfItsOwnBesideTheConnectionsLoops() throws Exception {
        try (ConfigurableApplicationContext app = LoopbackApp.withoutSecurity(ThreadApp.class).run()) {
            String connections = openedOn(app);
            assertThat(connections).startsWith("wspool-http-");
            assertThat(liveThreadsNamed("wspool-http-select-")).hasSize(1).doesNotContain(connections);
        }
    }

    private static List<String> liveThreadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith(prefix)).map(Thread::getName).toList();
    }

    @Test
    void zeroKeepsReactorNettysOwnLoops() throws Exception {
        try (ConfigurableApplicationContext app = LoopbackApp.withoutSecurity(ThreadApp.class, "wspool.server.event-loops=0").run()) {
            assertThat(app.getBean(ServerEventLoops.class).count()).isZero();
            assertThat(openedOn(app)).startsWith("reactor-http-");
        }
    }

    @Test
    void aNegativeCountStopsTheStartupNamingTheProperty() {
        assertThatThrownBy(() -> LoopbackApp.withoutSecurity(ThreadApp.class, "wspool.server.event-loops=-1").run())
                .hasStackTraceContaining("wspool.server.event-loops must be 0 (Reactor Netty's default) .. 1024, was -1");
    }

    /** The name of the thread the hub opened a new connection on. */
    private static String openedOn(ConfigurableApplicationContext app) throws Exception {
        ThreadApp.OPENED.set(new CompletableFuture<>());
        ReactorNettyTestClient c = ReactorNettyTestClient.connect(LoopbackApp.wsUrl(app));
        try {
            c.welcome();
            return ThreadApp.OPENED.get().get(30, TimeUnit.SECONDS);
        } finally {
            c.close();
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class ThreadApp {
        static final AtomicReference<CompletableFuture<String>> OPENED =
                new AtomicReference<>(new CompletableFuture<>());

        @Bean
        ConnectionListener threadOfOpen() {
            return new ConnectionListener() {
                @Override
                public void onOpen(WsConnectionView connection, WsHub hub) {
                    OPENED.get().complete(Thread.currentThread().getName());
                }
            };
        }
    }
}
