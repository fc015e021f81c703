package io.reactivewspool.spring;

import java.time.Duration;
import java.util.List;

import io.reactivewspool.server.WsHub;
import io.reactivewspool.spring.test.LoopbackApp;
import io.reactivewspool.spring.test.RunningApp;
import io.reactivewspool.test.LiveObjects;
import io.reactivewspool.test.RawSocketClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What an open connection of the starter on Reactor Netty keeps of its upgrade, counted in a class
 * histogram of live objects (the clients are plain sockets, so every Netty header entry is the
 * server's): not the request's and the 101's header entries, which WebFlux leaves as they were, and
 * not the subscriber of a {@code checkpoint} around the handler, which Spring's own upgrade adds.
 */
class SpringIdleFootprintIT {

    private static final int CLIENTS = 200;

    @RegisterExtension
    static final RunningApp APP = new RunningApp(() -> LoopbackApp.withoutSecurity(FootprintApp.class));

    @Test
    void openConnectionsKeepNeitherTheirUpgradeHeadersNorACheckpoint() throws Exception {
        String headerEntry = "io.netty.handler.codec.DefaultHeaders$HeaderEntry";
        String checkpoint = "reactor.core.publisher.FluxOnAssembly$OnAssemblySubscriber";
        WsHub hub = APP.context().getBean(WsHub.class);
        long entriesBefore = LiveObjects.count(headerEntry);
        long checkpointsBefore = LiveObjects.count(checkpoint);
        List<RawSocketClient> clients = RawSocketClient.connectMany(CLIENTS, i -> APP.wsUrl());
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> hub.admin().stats().activeConnections() == CLIENTS);
            long entries = LiveObjects.count(headerEntry) - entriesBefore;
            long checkpoints = LiveObjects.count(checkpoint) - checkpointsBefore;
            System.out.printf("SpringIdleFootprintIT added by %d open connections: %d header entries, %d checkpoint subscribers%n",
                    CLIENTS, entries, checkpoints);
            assertThat(entries).as("header entries held by %d open connections (the two Reactor Netty keeps to itself)", CLIENTS)
                    .isLessThan(3L * CLIENTS);
            assertThat(checkpoints).as("checkpoint subscribers held by %d open connections", CLIENTS).isLessThan(CLIENTS / 10L);
            assertThat(hub.admin().connections(null, null)).hasSize(CLIENTS)
                    .allSatisfy(c -> assertThat(c.remoteAddress()).isNotBlank());
        } finally {
            clients.forEach(RawSocketClient::close);
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class FootprintApp {
    }
}
