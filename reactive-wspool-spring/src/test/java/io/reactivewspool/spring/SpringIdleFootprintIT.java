package io.reactivewspool.spring;

import java.time.Duration;
import java.util.List;

import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
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

    /**
     * Once the 101 is out the hub takes the connection over from Reactor Netty: an open connection keeps no
     * Reactor Netty WebSocket operations (the upgrade request and response, the handshaker, the inbound
     * {@code FluxReceive}), no WebFlux session, and the upgrade's exchange has ended: its observation
     * ({@code http.server.requests}) is recorded, and none stays active per open connection.
     */
    @Test
    void openConnectionsKeepNothingOfReactorNettyOrWebFluxAndTheirExchangesEnd() throws Exception {
        String[] detached = {"reactor.netty.http.server.WebsocketServerOperations", "reactor.netty.channel.FluxReceive",
                "org.springframework.web.reactive.socket.adapter.ReactorNettyWebSocketSession"};
        WsHub hub = APP.context().getBean(WsHub.class);
        MeterRegistry meters = APP.context().getBean(MeterRegistry.class);
        long[] before = new long[detached.length];
        for (int i = 0; i < detached.length; i++) {
            before[i] = LiveObjects.count(detached[i]);
        }
        long transportsBefore = LiveObjects.count(TRANSPORT);
        double exchangesBefore = exchanges(meters);
        List<RawSocketClient> clients = RawSocketClient.connectMany(CLIENTS, i -> APP.wsUrl());
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> hub.admin().stats().activeConnections() == CLIENTS);
            for (RawSocketClient c : clients) {
                c.sendText("{\"type\":\"subscribe\",\"topic\":\"idle.ops\",\"id\":\"s\"}");
            }
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    hub.admin().stats().topicSubscribers().getOrDefault("idle.ops", 0) == CLIENTS);
            for (int i = 0; i < detached.length; i++) {
                long added = LiveObjects.count(detached[i]) - before[i];
                System.out.printf("SpringIdleFootprintIT live %s added=%d by %d open connections%n", detached[i], added, CLIENTS);
                assertThat(added).as("%s held by %d open connections", detached[i], CLIENTS).isLessThan(CLIENTS / 10L);
            }
            assertThat(LiveObjects.count(TRANSPORT) - transportsBefore).as("transports of %d open connections", CLIENTS)
                    // Channels of an earlier test may still be closing when the baseline is taken.
                    .isBetween(CLIENTS - CLIENTS / 10L, CLIENTS + CLIENTS / 10L);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(exchanges(meters) - exchangesBefore)
                    .as("upgrade exchanges observed and ended").isGreaterThanOrEqualTo(CLIENTS));
            int active = meters.find("http.server.requests.active").longTaskTimers().stream()
                    .mapToInt(LongTaskTimer::activeTasks).sum();
            assertThat(active).as("exchanges still active with %d open connections", CLIENTS).isLessThan(CLIENTS / 10);
        } finally {
            clients.forEach(RawSocketClient::close);
        }
    }

    private static final String TRANSPORT = "io.reactivewspool.internal.netty.PlainNettyWsTransport";

    /** Upgrade exchanges WebFlux's observation recorded as ended. */
    private static double exchanges(MeterRegistry meters) {
        return meters.find("http.server.requests").timers().stream().mapToLong(Timer::count).sum();
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class FootprintApp {
    }
}
