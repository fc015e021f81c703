package io.reactivewspool.server.netty;

import java.time.Duration;
import java.util.List;

import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.test.HubFixture;
import io.reactivewspool.test.LiveObjects;
import io.reactivewspool.test.RawSocketClient;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An open connection does not keep the HTTP headers of its upgrade: Reactor Netty would hold the
 * request's and the 101's header entries (seven per connection with these clients) for the
 * connection's whole life, although nothing reads them after the upgrade. The server clears the
 * ones it can reach; two entries per connection stay in a copy Reactor Netty keeps to itself.
 * Counted in a class histogram of live objects (the clients here are plain sockets, so every Netty
 * header entry is the server's).
 */
class IdleConnectionFootprintIT {

    /** The server engine under test. */
    WsServerOptions.Engine engine() {
        return WsServerOptions.Engine.REACTOR_NETTY;
    }

    private static final int CLIENTS = 300;
    private static final String HEADER_ENTRY = "io.netty.handler.codec.DefaultHeaders$HeaderEntry";

    @Test
    void openConnectionsDropTheirUpgradeHeaders() throws Exception {
        try (HubFixture f = HubFixture.start(WsHubOptions.builder().build(), null, engine())) {
            // other tests of this JVM may have left header objects behind: count what the connections add
            long before = liveInstances(HEADER_ENTRY);
            List<RawSocketClient> clients = RawSocketClient.connectMany(CLIENTS, i -> f.wsUrl());
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> f.hub().admin().stats().activeConnections() == CLIENTS);
                long added = liveInstances(HEADER_ENTRY) - before;
                System.out.printf("IdleConnectionFootprintIT live %s added=%d by %d open connections%n", HEADER_ENTRY, added, CLIENTS);
                assertThat(added).as("header entries held by %d open connections (7 each before, 2 now)", CLIENTS)
                        .isLessThan(3L * CLIENTS);
                // what the hub keeps of the upgrade is still there
                assertThat(f.hub().admin().connections(null, null)).hasSize(CLIENTS)
                        .allSatisfy(c -> assertThat(c.remoteAddress()).isNotBlank());
            } finally {
                clients.forEach(RawSocketClient::close);
            }
        }
    }

    /**
     * An open connection keeps nothing of Reactor Netty's per-connection objects: on the Reactor Netty
     * engine the connection is taken over once the 101 is out (ReactorNettyTakeover), and its
     * {@code WebsocketServerOperations} (the upgrade request and response, the handshaker, the inbound
     * {@code FluxReceive}, about 1.1 KB) is garbage; the connection lives on in one channel handler, the
     * plain engine's transport.
     */
    @Test
    void openConnectionsKeepNoneOfReactorNettysWebSocketOperations() throws Exception {
        String[] detached = {"reactor.netty.http.server.WebsocketServerOperations", "reactor.netty.channel.FluxReceive",
                "io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker13",
                "io.reactivewspool.internal.netty.ReactorNettyWsTransport"};
        String transport = "io.reactivewspool.internal.netty.PlainNettyWsTransport";
        try (HubFixture f = HubFixture.start(WsHubOptions.builder().build(), null, engine())) {
            long[] before = new long[detached.length];
            for (int i = 0; i < detached.length; i++) {
                before[i] = liveInstances(detached[i]);
            }
            long transportsBefore = liveInstances(transport);
            List<RawSocketClient> clients = RawSocketClient.connectMany(CLIENTS, i -> f.wsUrl());
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> f.hub().admin().stats().activeConnections() == CLIENTS);
                for (RawSocketClient c : clients) {
                    // the connection answers: it is served, not only registered
                    c.sendText("{\"type\":\"subscribe\",\"topic\":\"idle.ops\",\"id\":\"s\"}");
                }
                await().atMost(Duration.ofSeconds(30)).until(() ->
                        f.hub().admin().stats().topicSubscribers().getOrDefault("idle.ops", 0) == CLIENTS);
                for (int i = 0; i < detached.length; i++) {
                    long added = liveInstances(detached[i]) - before[i];
                    System.out.printf("IdleConnectionFootprintIT %s live %s added=%d by %d open connections%n",
                            engine(), detached[i], added, CLIENTS);
                    assertThat(added).as("%s held by %d open connections", detached[i], CLIENTS).isLessThan(CLIENTS / 10L);
                }
                assertThat(liveInstances(transport) - transportsBefore).as("transports of %d open connections", CLIENTS)
                        // Channels of an earlier test may still be closing when the baseline is taken.
                        .isBetween(CLIENTS - CLIENTS / 10L, CLIENTS + CLIENTS / 10L);
            } finally {
                clients.forEach(RawSocketClient::close);
                // A footprint test next in this JVM must not count these channels while they close.
                await().atMost(Duration.ofSeconds(30)).until(() -> f.hub().admin().stats().activeConnections() == 0);
            }
        }
    }

    /**
     * An open connection keeps no fragment aggregator: fragments are reassembled by the hub's inbound
     * stream only while a fragmented message arrives. Netty's {@code WebSocketFrameAggregator}, which
     * Reactor Netty's {@code aggregateFrames} adds, is a pipeline handler every connection would keep
     * for its whole life (about 110 bytes with its context).
     */
    @Test
    void openConnectionsKeepNoFragmentAggregator() throws Exception {
        String aggregator = "io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator";
        try (HubFixture f = HubFixture.start(WsHubOptions.builder().build(), null, engine())) {
            long before = liveInstances(aggregator);
            List<RawSocketClient> clients = RawSocketClient.connectMany(CLIENTS, i -> f.wsUrl());
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> f.hub().admin().stats().activeConnections() == CLIENTS);
                long added = liveInstances(aggregator) - before;
                System.out.printf("IdleConnectionFootprintIT live %s added=%d by %d open connections%n", aggregator, added, CLIENTS);
                assertThat(added).as("fragment aggregators held by %d open connections", CLIENTS).isLessThan(CLIENTS / 10L);
            } finally {
                clients.forEach(RawSocketClient::close);
            }
        }
    }

    /**
     * An idle connection that has had a heartbeat keeps no array queue: the writer takes frames
     * from other threads (the heartbeat ping comes from the hub's timer thread), and an array queue
     * of 64 slots for them would cost every connection about 700 bytes for the rest of its life.
     */
    @Test
    void idleConnectionsKeepNoArrayQueueAfterTheirHeartbeat() throws Exception {
        String arrayQueue = "reactor.util.concurrent.SpscArrayQueue";
        try (HubFixture f = HubFixture.start(WsHubOptions.builder().heartbeatInterval(Duration.ofMillis(300)).build(), null, engine())) {
            long before = liveInstances(arrayQueue);
            List<RawSocketClient> clients = RawSocketClient.connectMany(CLIENTS, i -> f.wsUrl());
            try {
                for (RawSocketClient c : clients) {
                    c.sendText("{\"type\":\"subscribe\",\"topic\":\"idle.t" + (c.hashCode() % 7) + "\",\"id\":\"s\"}");
                }
                await().atMost(Duration.ofSeconds(30)).until(() ->
                        f.hub().admin().stats().topicSubscribers().values().stream().mapToInt(Integer::intValue).sum() == CLIENTS);
                for (RawSocketClient c : clients) {
                    // welcome, subscribed and (from the timer thread) at least one ping, in some order
                    boolean pinged = false;
                    for (int frames = 0; !pinged && frames < 20; frames++) {
                        pinged = c.readFrame().opcode() == 0x9;
                    }
                    assertThat(pinged).as("a heartbeat ping reached the client").isTrue();
                }
                long added = liveInstances(arrayQueue) - before;
                System.out.printf("IdleConnectionFootprintIT live %s added=%d by %d pinged connections%n", arrayQueue, added, CLIENTS);
                assertThat(added).as("array queues held by %d idle connections after a heartbeat", CLIENTS).isLessThan(CLIENTS / 10L);
            } finally {
                clients.forEach(RawSocketClient::close);
            }
        }
    }

    private static long liveInstances(String className) throws Exception {
        return LiveObjects.count(className);
    }
}
