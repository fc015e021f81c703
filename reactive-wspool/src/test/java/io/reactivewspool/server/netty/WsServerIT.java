package io.reactivewspool.server.netty;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.Authenticator;
import io.reactivewspool.server.LimitSpec;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.test.Allocations;
import io.reactivewspool.test.Deflated;
import io.reactivewspool.test.HubFixture;
import io.reactivewspool.test.LiveHeap;
import io.reactivewspool.test.ReactorNettyTestClient;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The server around the hub: binding, routing, compression, user isolation, graceful close (Reactor Netty engine; a subclass runs the plain one). */
class WsServerIT {

    /** The server engine under test. */
    WsServerOptions.Engine engine() {
        return WsServerOptions.Engine.REACTOR_NETTY;
    }

    private HubFixture start(WsHubOptions options) {
        return HubFixture.start(options, null, engine());
    }

    private WsServerOptions.Builder serverOptions() {
        return HubFixture.serverOptions(engine());
    }

    private static int httpGet(String url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void portZeroBindsAnEphemeralPortThatIsReadable() {
        try (HubFixture f = start(WsHubOptions.defaults())) {
            assertThat(f.server().port()).isPositive();
            assertThat(f.server().url()).isEqualTo("ws://127.0.0.1:" + f.server().port() + "/ws");
        }
    }

    @Test
    void bindingTwiceFails() {
        try (HubFixture f = start(WsHubOptions.defaults())) {
            assertThatThrownBy(() -> f.server().bind().block(Duration.ofSeconds(5))).hasMessageContaining("already bound");
        }
    }

    @Test
    void aTakenPortFailsTheBindAndLeavesTheServerUnbound() {
        try (HubFixture f = start(WsHubOptions.defaults())) {
            WsServer second = WsServer.create(WsHub.create(), serverOptions().port(f.server().port()).ioThreads(1).build());
            assertThatThrownBy(() -> second.bind().block(Duration.ofSeconds(5))).hasStackTraceContaining("Address already in use");
            assertThatThrownBy(second::port).hasMessage("server not bound");
            second.close().block(Duration.ofSeconds(5));
        }
    }

    @Test
    void plainGetOnTheWebSocketPathAnswers426AndUnknownPathsAnswer404() throws Exception {
        try (HubFixture f = start(WsHubOptions.defaults())) {
            String base = "http://127.0.0.1:" + f.server().port();
            assertThat(httpGet(base + "/ws")).isEqualTo(426);
            assertThat(httpGet(base + "/nope")).isEqualTo(404);
        }
    }

    @Test
    void adminApiCanBeSwitchedOff() throws Exception {
        try (HubFixture f = HubFixture.start(WsHubOptions.defaults(),
                serverOptions().adminEnabled(false).adminToken("X").build())) {
            assertThat(httpGet(f.adminUrl() + "/stats")).isEqualTo(404);
        }
    }

    @Test
    void customPathAndPermessageDeflateAreNegotiatedOnlyWhenEnabled() {
        try (HubFixture f = HubFixture.start(WsHubOptions.defaults(),
                serverOptions().path("/live").compression(true).build())) {
            assertThat(f.wsUrl()).endsWith("/live");
            ReactorNettyTestClient c = ReactorNettyTestClient.connectCompressed(f.wsUrl());
            assertThat(c.extensions()).contains("permessage-deflate");
            assertThat(c.welcome().type()).isEqualTo("welcome");
            c.send(WsMessage.ping().withId("z"));
            assertThat(c.next().id()).isEqualTo("z");
            c.close();
        }
        try (HubFixture off = start(WsHubOptions.defaults())) {
            ReactorNettyTestClient plain = ReactorNettyTestClient.connectCompressed(off.wsUrl());
            assertThat(plain.extensions()).isNull();
            plain.close();
        }
    }

    /**
     * A 48 KB frame that inflates to 48 MiB: the server inflates it only up to the frame limit and
     * closes with 1009, so it costs the server a frame limit's worth of memory, not 48 MiB.
     */
    @Test
    void aDeflatedMessageIsInflatedOnlyUpToTheFrameLimitThenCloses1009() {
        byte[] bomb = Deflated.of(48 << 20);
        assertThat(bomb.length).isLessThan(LimitSpec.DEFAULT_MAX_FRAME_BYTES);
        try (HubFixture f = HubFixture.start(WsHubOptions.defaults(), serverOptions().compression(true).build())) {
            ReactorNettyTestClient c = ReactorNettyTestClient.connectCompressed(f.wsUrl());
            c.welcome();
            Allocations allocations = Allocations.start();
            c.sendFrame(Deflated.frame(bomb));
            // Behind it, before the close: dropped, not answered with a second close.
            c.sendFrame(Deflated.frame(Deflated.of(100)));
            assertThat(c.awaitCloseCode()).isEqualTo(1009);
            assertThat(c.closeReason()).isEqualTo("message larger than " + LimitSpec.DEFAULT_MAX_FRAME_BYTES + " bytes");
            assertThat(allocations.since()).as("bytes allocated in the JVM while the server received the frame")
                    .isLessThan(16 * LiveHeap.MIB);
            Awaitility.await().atMost(ReactorNettyTestClient.WAIT).until(() -> f.hub().admin().stats().activeConnections() == 0);
        }
    }

    @Test
    void aDeflatedMessageThatDoesNotInflateCloses1007() {
        try (HubFixture f = HubFixture.start(WsHubOptions.defaults(), serverOptions().compression(true).build())) {
            ReactorNettyTestClient c = ReactorNettyTestClient.connectCompressed(f.wsUrl());
            c.welcome();
            // Block type 3 does not exist in DEFLATE (RFC 1951, 3.2.3).
            c.sendFrame(Deflated.frame(new byte[] {(byte) 0xff, (byte) 0xff, 0x01, 0x02}));
            assertThat(c.awaitCloseCode()).isEqualTo(1007);
            assertThat(c.closeReason()).isEqualTo("message is not a valid permessage-deflate stream");
            Awaitility.await().atMost(ReactorNettyTestClient.WAIT).until(() -> f.hub().admin().stats().activeConnections() == 0);
        }
    }

    @Test
    void sameOriginIsAcceptedWithoutConfiguration() {
        try (HubFixture f = start(WsHubOptions.defaults())) {
            ReactorNettyTestClient c = ReactorNettyTestClient.connect(f.wsUrl(), Map.of("Origin", "http://127.0.0.1:" + f.server().port()));
            assertThat(c.welcome().type()).isEqualTo("welcome");
            c.close();
        }
    }

    @Test
    void sendToUserReachesOnlyThatUsersConnectionsOverSockets() {
        WsHubOptions o = WsHubOptions.builder()
                .authenticator(Authenticator.tokens(Map.of("TA", "alice", "TB", "bob"))).build();
        try (HubFixture f = start(o)) {
            ReactorNettyTestClient a1 = ReactorNettyTestClient.connect(f.wsUrl() + "?token=TA");
            ReactorNettyTestClient a2 = ReactorNettyTestClient.connect(f.wsUrl() + "?token=TA");
            ReactorNettyTestClient b = ReactorNettyTestClient.connect(f.wsUrl() + "?token=TB");
            a1.welcome();
            a2.welcome();
            b.welcome();
            assertThat(f.hub().sendToUser("alice", "private", Map.of("secret", 1))).isEqualTo(2);
            assertThat(a1.next().type()).isEqualTo("private");
            assertThat(a2.next().type()).isEqualTo("private");
            assertThat(f.hub().sendToUser("bob", "marker", null)).isEqualTo(1);
            assertThat(b.next().type()).isEqualTo("marker"); // nothing for alice arrived before bob's marker
            List.of(a1, a2, b).forEach(ReactorNettyTestClient::close);
        }
    }

    @Test
    void gracefulCloseSends1001ToEveryClientInBatchesAndThenUnbinds() throws Exception {
        WsHub hub = WsHub.create(WsHubOptions.builder().closeBatchSize(50).closeDrainPeriod(Duration.ofMillis(900)).build());
        WsServer server = WsServer.create(hub, serverOptions().build()).bindNow();
        String url = server.url();
        List<ReactorNettyTestClient> clients = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            clients.add(ReactorNettyTestClient.connect(url));
        }
        clients.forEach(ReactorNettyTestClient::welcome);
        long start = System.nanoTime();
        server.close().block(Duration.ofSeconds(30));
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(clients).allSatisfy(c -> assertThat(c.awaitCloseCode()).isEqualTo(1001));
        // three batches, 300 ms apart: the last one leaves about 600 ms after the first
        assertThat(tookMs).isGreaterThanOrEqualTo(550);
        assertThat(hub.admin().stats().activeConnections()).isZero();
        assertThat(hub.isAccepting()).isFalse();
        assertThatThrownBy(() -> httpGet("http://127.0.0.1:" + URI.create(url).getPort() + "/ws")).isInstanceOf(IOException.class);
    }

}
