package io.reactivewspool.client;

import java.time.Duration;
import java.util.List;

import io.reactivewspool.test.EchoWsServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.util.RaceTestUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Closing connections while their peer closes or drops them at the same moment: every close
 * completes, and no close frame is left unreleased (the class-level leak check fails the class
 * when one is).
 */
class WsConnectionCloseRaceIT {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int ROUNDS = 12;
    private static final int CONNECTIONS = 24;

    private EchoWsServer server;
    private WsClient client;

    @BeforeEach
    void startServer() {
        server = EchoWsServer.start();
        client = WsClient.create(WsClientOptions.builder(server.url()).closeTimeout(Duration.ofSeconds(2)).build());
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    private List<WsConnection> open() {
        List<WsConnection> conns = Flux.range(0, CONNECTIONS).flatMap(i -> client.connect()).collectList().block(WAIT);
        await().atMost(WAIT).until(() -> server.openConnections() == CONNECTIONS);
        return conns;
    }

    private static void closeAll(List<WsConnection> conns) {
        Flux.fromIterable(conns).flatMap(c -> c.close(1000, "race").onErrorResume(e -> Mono.empty())).blockLast(WAIT);
    }

    @Test
    void closingWhileThePeerSendsItsCloseLeaksNoFrame() {
        for (int round = 0; round < ROUNDS; round++) {
            List<WsConnection> conns = open();
            RaceTestUtils.race(() -> server.closeAll(1001, "going away"), () -> closeAll(conns));
            for (WsConnection c : conns) {
                assertThat(c.onClose().block(WAIT)).isNotNull();
            }
            await().atMost(WAIT).until(() -> server.openConnections() == 0);
        }
    }

    @Test
    void closingWhileThePeerDropsTheSocketLeaksNoFrame() {
        for (int round = 0; round < ROUNDS; round++) {
            List<WsConnection> conns = open();
            RaceTestUtils.race(server::dropAll, () -> closeAll(conns));
            for (WsConnection c : conns) {
                assertThat(c.onClose().block(WAIT)).isNotNull();
            }
            await().atMost(WAIT).until(() -> server.openConnections() == 0);
        }
    }
}
