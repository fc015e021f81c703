package io.reactivewspool.internal.server;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.reactivewspool.WsClosedException;
import io.reactivewspool.WsRequestTimeoutException;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.server.WsHubRequestException;
import io.reactivewspool.test.ReactorNettyTestClient;
import io.reactivewspool.test.RedisHubs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The hub's requests to a connection of ANOTHER node: two hubs sharing one real redis-server; node
 * A asks, the client is on node B, the request goes through the broker and the outcome comes back.
 */
class RedisHubRequestsIT {

    private static final Duration T = Duration.ofSeconds(20);

    @RegisterExtension
    final RedisHubs hubs = RedisHubs.perTest(List.of("node-a", "node-b"), null, (broker, b) -> b);

    private WsHub hub(int node) {
        return hubs.node(node).hub();
    }

    private HubRequests requests(int node) {
        return ((DefaultWsHub) hub(node)).requests();
    }

    private static String idOf(ReactorNettyTestClient c) {
        return c.received().get(0).data().get("connection_id").asString();
    }

    private static WsMessage join(CompletableFuture<WsMessage> f) {
        return f.orTimeout(T.toSeconds(), TimeUnit.SECONDS).join();
    }

    @Test
    void requestToAConnectionOnTheOtherNodeCompletesWithItsAckAndARefusalComesBackTyped() {
        ReactorNettyTestClient onB = hubs.client(1, "tok-alice");
        String id = idOf(onB);

        CompletableFuture<WsMessage> answer = hub(0).request(id, WsMessage.of("confirm", null, Map.of("order", 42)), T).toFuture();
        WsMessage request = onB.next("confirm");
        assertThat(request.id()).startsWith(WsMessage.HUB_REQUEST_ID_PREFIX);
        assertThat(request.data().get("order").asInt()).isEqualTo(42);
        onB.send(WsMessage.ack(request.id(), Map.of("accepted", true)));
        WsMessage ack = join(answer);
        assertThat(ack.is(WsMessage.ACK)).isTrue();
        assertThat(ack.id()).isEqualTo(request.id());
        assertThat(ack.data().get("accepted").asBoolean()).isTrue();

        CompletableFuture<WsMessage> refused = hub(0).request(id, WsMessage.of("confirm", null, Map.of("order", 43)), T).toFuture();
        onB.send(WsMessage.ackError(onB.next("confirm").id(), "out of stock"));
        assertThatThrownBy(() -> join(refused)).cause().isInstanceOfSatisfying(WsHubRequestException.class, e -> {
            assertThat(e.reason()).isEqualTo(WsHubRequestException.Reason.REFUSED);
            assertThat(e.connectionId()).isEqualTo(id);
            assertThat(e.getMessage()).contains("out of stock").contains("node-b");
        });
        assertThat(requests(0).waiting()).isZero();
        assertThat(requests(1).waiting()).isZero();
    }

    @Test
    void remoteConnectionThatClosesFirstFailsTheRequestWithItsCloseCodeAndReason() {
        ReactorNettyTestClient onB = hubs.client(1, "tok-bob");
        String id = idOf(onB);
        CompletableFuture<WsMessage> answer = hub(0).request(id, WsMessage.of("confirm"), T).toFuture();
        onB.next("confirm");

        hub(1).admin().disconnect(List.of(id), "node maintenance").block(T);

        assertThatThrownBy(() -> join(answer)).cause().isInstanceOfSatisfying(WsClosedException.class, e -> {
            assertThat(e.code()).isEqualTo(1000);
            assertThat(e.reason()).isEqualTo("node maintenance");
            assertThat(e.getMessage()).contains(id).contains("node-b").contains("closed first");
        });
        assertThat(requests(0).waiting()).isZero();
        await().atMost(T).until(() -> requests(1).waiting() == 0 && requests(1).connectionsTracked() == 0);
    }

    @Test
    void unreachableNodeOrAConnectionNoNodeHoldsEndsInATimeout() {
        ReactorNettyTestClient onB = hubs.client(1, "tok-alice");
        String id = idOf(onB);

        StepVerifier.create(hub(0).request("held-by-nobody", WsMessage.of("confirm"), Duration.ofMillis(800)))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(WsRequestTimeoutException.class)
                        .hasMessageContaining("held-by-nobody").hasMessageContaining("no node holding it answered"))
                .verify(T);

        // Node B can no longer hear the broker: its connection is open, but the request never reaches it.
        hubs.broker(1).close().block(T);
        StepVerifier.create(hub(0).request(id, WsMessage.of("confirm"), Duration.ofMillis(800)))
                .expectError(WsRequestTimeoutException.class)
                .verify(T);
        assertThat(onB.pending()).noneMatch(m -> m.is("confirm"));
        assertThat(requests(0).waiting()).isZero();
    }
}
