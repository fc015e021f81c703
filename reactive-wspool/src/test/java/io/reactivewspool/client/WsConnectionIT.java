package io.reactivewspool.client;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

import io.reactivewspool.WsClosedException;
import io.reactivewspool.WsConnectException;
import io.reactivewspool.WsRequestTimeoutException;
import io.reactivewspool.message.WsCloseStatus;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.test.Allocations;
import io.reactivewspool.test.Deflated;
import io.reactivewspool.test.EchoWsServer;
import io.reactivewspool.test.LiveHeap;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.tcp.TcpServer;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class WsConnectionIT {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private EchoWsServer server;
    private WsConnection conn;

    @BeforeEach
    void startServer() {
        server = EchoWsServer.start();
    }

    @AfterEach
    void stopServer() {
        if (conn != null) {
            conn.close(1000, "test done").block(WAIT);
        }
        server.close();
    }

    private WsConnection connect(String url) {
        return WsClient.create(WsClientOptions.builder(url).requestTimeout(Duration.ofSeconds(5)).build()).connect().block(WAIT);
    }

    /** 48 KB on the wire, 48 MiB inflated: the client inflates a frame only up to maxFrameSize, then the connection ends with 1009. */
    @Test
    void aDeflatedMessageFromTheServerIsInflatedOnlyUpToMaxFrameSize() {
        byte[] bomb = Deflated.of(48 << 20);
        conn = WsClient.create(WsClientOptions.builder(server.url()).compression(true).build()).connect().block(WAIT);
        await().atMost(WAIT).until(() -> server.openConnections() == 1);
        Allocations allocations = Allocations.start();
        server.sendFrameToAll(() -> Deflated.frame(bomb));
        WsCloseStatus status = conn.onClose().block(WAIT);
        assertThat(status.code()).isEqualTo(1009);
        assertThat(status.reason()).isEqualTo("message from the server larger than maxFrameSize (" + WsClientOptions.DEFAULT_MAX_FRAME_SIZE + " bytes)");
        assertThat(allocations.since()).as("bytes allocated in the JVM while the client received the frame").isLessThan(16 * LiveHeap.MIB);
        assertThat(conn.isActive()).isFalse();
        conn = null;
    }

    @Test
    void connectIsLazyUntilSubscribed() {
        Mono<WsConnection> connect = WsClient.create(server.url()).connect();
        assertThat(server.acceptedConnections()).isZero();
        conn = connect.block(WAIT);
        assertThat(conn.isActive()).isTrue();
        // The client may see the 101 before the server's handler has run: wait for it, bounded.
        await().atMost(WAIT).until(() -> server.acceptedConnections() == 1);
    }

    @Test
    void upgradeRequestCarriesHeadersBearerTokenAndSubprotocols() {
        WsClientOptions options = WsClientOptions.builder(server.url())
                .header("X-Tenant", "acme")
                .bearerToken("t0ken")
                .subprotocols("wspool.v1")
                .compression(true)
                .build();
        // the server offers no subprotocol; the handshake fails and names the URL
        StepVerifier.create(WsClient.create(options).connect())
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(WsConnectException.class).hasMessageContaining(server.url()))
                .verify(WAIT);
        // The server records the headers on its own thread; the client may see the failure first.
        Awaitility.await().atMost(WAIT).until(() -> server.lastUpgradeHeaders() != null);
        assertThat(server.lastUpgradeHeaders().get("X-Tenant")).isEqualTo("acme");
        assertThat(server.lastUpgradeHeaders().get("Authorization")).isEqualTo("Bearer t0ken");
        assertThat(server.lastUpgradeHeaders().get("Sec-WebSocket-Protocol")).isEqualTo("wspool.v1");
        assertThat(server.lastUpgradeHeaders().get("Sec-WebSocket-Extensions")).contains("permessage-deflate");
    }

    @Test
    void manyRequestsInFlightGetTheirOwnReplies() {
        conn = connect(server.url());
        List<WsMessage> replies = Flux.range(0, 200)
                .flatMap(i -> conn.request(WsMessage.of("echo", null, Map.of("n", i))).map(r -> {
                    assertThat(r.data().get("n").asInt()).isEqualTo(i);
                    return r;
                }), 200)
                .collectList().block(WAIT);
        assertThat(replies).hasSize(200).allSatisfy(r -> assertThat(r.is("reply")).isTrue());
        assertThat(conn.pendingRequests()).isZero();
    }

    @Test
    void requestKeepsAGivenIdAndSetsOneWhenMissing() {
        conn = connect(server.url());
        StepVerifier.create(conn.request(WsMessage.builder("echo").id("mine").build()))
                .assertNext(r -> assertThat(r.id()).isEqualTo("mine"))
                .verifyComplete();
        StepVerifier.create(conn.request(WsMessage.of("echo")))
                .assertNext(r -> assertThat(r.id()).isNotBlank())
                .expectComplete()
                .verify(WAIT);
    }

    @Test
    void requestTimeoutFailsOnlyThatRequest() {
        conn = connect(server.url());
        Mono<WsMessage> lost = conn.request(WsMessage.of("noreply"), Duration.ofMillis(300));
        Mono<WsMessage> slow = conn.request(WsMessage.of("delay", null, Map.of("ms", 600)), Duration.ofSeconds(5));
        StepVerifier.create(Flux.merge(lost.onErrorResume(WsRequestTimeoutException.class,
                                e -> Mono.just(WsMessage.of("timed-out"))), slow).map(WsMessage::type).collectList())
                .assertNext(types -> assertThat(types).containsExactly("timed-out", "reply"))
                .expectComplete()
                .verify(WAIT);
        assertThat(conn.isActive()).isTrue();
    }

    @Test
    void pingMeasuresARealPongRoundTrip() {
        conn = connect(server.url());
        StepVerifier.create(conn.ping())
                .assertNext(rtt -> assertThat(rtt).isPositive().isLessThan(WAIT))
                .expectComplete()
                .verify(WAIT);
    }

    @Test
    void pingToAPeerThatNeverAnswersDoesNotComplete() {
        try (EchoWsServer deaf = EchoWsServer.ignoringPings()) {
            WsConnection c = connect(deaf.url());
            StepVerifier.create(c.ping().timeout(Duration.ofMillis(500)))
                    .expectError(TimeoutException.class)
                    .verify(WAIT);
            assertThat(deaf.pingsIgnored()).isEqualTo(1);
            c.close(1000, "").block(WAIT);
        }
    }

    @Test
    void serverCloseCodeAndReasonAreReportedAndInFlightRequestsFail() {
        conn = connect(server.url());
        Mono<WsMessage> inFlight = conn.request(WsMessage.of("noreply")).cache();
        inFlight.subscribe(m -> { }, e -> { });
        // the client may see the 101 before the server's handler has registered the connection
        await().atMost(WAIT).until(() -> server.openConnections() == 1);
        server.closeAll(4001, "slow consumer");
        StepVerifier.create(conn.onClose())
                .assertNext(s -> assertThat(s).isEqualTo(new WsCloseStatus(4001, "slow consumer")))
                .expectComplete()
                .verify(WAIT);
        StepVerifier.create(inFlight)
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(WsClosedException.class)
                        .satisfies(c -> assertThat(((WsClosedException) c).code()).isEqualTo(4001)))
                .verify(WAIT);
        assertThat(conn.isActive()).isFalse();
        StepVerifier.create(conn.send(WsMessage.of("x"))).expectError(WsClosedException.class).verify(WAIT);
        conn = null;
    }

    @Test
    void clientCloseCompletesWithTheCodeItSent() {
        WsConnection c = connect(server.url());
        StepVerifier.create(c.close(1000, "bye")).expectComplete().verify(WAIT);
        assertThat(c.isActive()).isFalse();
        assertThat(c.onClose().block(WAIT).code()).isEqualTo(1000);
        await().atMost(WAIT).until(() -> server.openConnections() == 0);
    }

    @Test
    void undecodableFrameIsCountedAndVisibleOnTheRawStreamAndTheConnectionLives() {
        conn = connect(server.url());
        // the client may see the 101 before the server's handler has registered the connection
        await().atMost(WAIT).until(() -> server.openConnections() == 1);
        StepVerifier.create(conn.receiveRaw().take(1))
                .then(() -> server.sendRawToAll("{not json"))
                .expectNext("{not json")
                .expectComplete()
                .verify(WAIT);
        await().atMost(WAIT).until(() -> conn.undecodableFrames() == 1);
        assertThat(conn.isActive()).isTrue();
        StepVerifier.create(conn.request(WsMessage.of("echo"))).expectNextCount(1).expectComplete().verify(WAIT);
    }

    @Test
    void messagesThatAreNotRepliesGoToReceive() {
        conn = connect(server.url());
        // the client may see the 101 before the server's handler has registered the connection
        await().atMost(WAIT).until(() -> server.openConnections() == 1);
        StepVerifier.create(conn.receive().take(1))
                .then(() -> server.sendRawToAll("{\"type\":\"news\",\"data\":1}"))
                .assertNext(m -> assertThat(m.type()).isEqualTo("news"))
                .expectComplete()
                .verify(WAIT);
    }

    @Test
    void silentPeerFailsTheConnectAfterTheHandshakeTimeout() {
        DisposableServer silent = TcpServer.create().host("127.0.0.1").port(0)
                .handle((in, out) -> in.receive().then().then(Mono.never()))
                .bindNow(WAIT);
        try {
            String url = "ws://127.0.0.1:" + silent.port() + "/ws";
            WsClientOptions options = WsClientOptions.builder(url).connectTimeout(Duration.ofMillis(200))
                    .handshakeTimeout(Duration.ofMillis(400)).build();
            StepVerifier.create(WsClient.create(options).connect())
                    .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(WsConnectException.class)
                            .hasMessageContaining(url).hasMessageContaining("upgrade not completed within 400ms"))
                    .verify(WAIT);
        } finally {
            silent.disposeNow(WAIT);
        }
    }

    @Test
    void unreachableServerFailsWithAnErrorNamingTheUrl() {
        String url = server.url();
        server.stop();
        StepVerifier.create(WsClient.create(url).connect())
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(WsConnectException.class)
                        .hasMessageContaining(url).hasMessageContaining("Connection refused"))
                .verify(WAIT);
    }
}
