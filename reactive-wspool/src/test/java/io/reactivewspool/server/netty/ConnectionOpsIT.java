package io.reactivewspool.server.netty;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.Authenticator;
import io.reactivewspool.server.ConnectionOutcome;
import io.reactivewspool.server.ConnectionOutcome.Status;
import io.reactivewspool.server.ConnectionState;
import io.reactivewspool.server.WsConnectionView;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.test.HubFixture;
import io.reactivewspool.test.ReactorNettyTestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Operations on one connection on a hub with the local broker, over real loopback clients: a
 * connection's view closing it with the application's code and reason (and refusing codes a server
 * may not send), the {@code …Connection} operations answering for this node only, and
 * {@code sendToUser} with exclusions.
 */
class ConnectionOpsIT {

    private static final Duration T = Duration.ofSeconds(20);

    private HubFixture node;

    @BeforeEach
    void start() {
        node = HubFixture.start(WsHubOptions.builder()
                .authenticator(Authenticator.tokens(Map.of("tok-alice", "alice")))
                .closeDrainPeriod(Duration.ZERO).build());
    }

    @AfterEach
    void stop() {
        node.close();
    }

    private WsHub hub() {
        return node.hub();
    }

    private ReactorNettyTestClient alice() {
        ReactorNettyTestClient c = ReactorNettyTestClient.connect(node.wsUrl() + "?token=tok-alice");
        c.welcome();
        return c;
    }

    private static String idOf(ReactorNettyTestClient c) {
        return c.received().get(0).data().get("connection_id").asString();
    }

    @Test
    void aConnectionViewClosesWithTheApplicationsCodeAndReason() {
        try (ReactorNettyTestClient c = alice()) {
            WsConnectionView view = hub().connection(idOf(c)).orElseThrow();

            view.close(4100, "moved to room 7").block(T);

            assertThat(c.awaitCloseCode()).isEqualTo(4100);
            assertThat(c.closeReason()).isEqualTo("moved to room 7");
        }
    }

    @Test
    void closeCodesAServerMayNotSendAndOverlongReasonsAreRefusedAndTheConnectionStaysOpen() {
        try (ReactorNettyTestClient c = alice()) {
            WsConnectionView view = hub().connection(idOf(c)).orElseThrow();

            for (int code : List.of(0, 999, 1004, 1005, 1006, 1010, 1015, 1016, 2999, 5000)) {
                assertThatThrownBy(() -> view.close(code, "x")).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageStartingWith("close code " + code + " may not be sent: use 1000, 1001")
                        .hasMessageContaining("RFC 6455");
            }
            assertThatThrownBy(() -> view.close(1000, "é".repeat(62))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("close reason must be at most 123 bytes in UTF-8 (a close frame's limit), was 124");
            // Accepted codes, never subscribed: cold, nothing happens.
            view.close(1000, "a");
            view.close(3000, null);
            view.close(4999, "é".repeat(61));

            assertThat(view.state()).isEqualTo(ConnectionState.OPEN);
            hub().sendTo(view.id(), WsMessage.of("still_open", null, 1));
            c.next("still_open");
            assertThat(c.isClosed()).isFalse();
        }
    }

    @Test
    void connectionOperationsOnOneHubAnswerForItsOwnConnectionsAndTellTheClient() {
        try (ReactorNettyTestClient c = alice()) {
            String id = idOf(c);

            ConnectionOutcome sent = hub().sendToConnection(id, WsMessage.of("notice", null, 1)).block(T);
            ConnectionOutcome subscribed = hub().subscribeConnection(id, "news").block(T);
            hub().broadcast("news", "headline", 1);
            c.next("headline");
            ConnectionOutcome unsubscribed = hub().unsubscribeConnection(id, "news").block(T);
            c.next("unsubscribed");
            ConnectionOutcome missing = hub().sendToConnection("no-such-id", WsMessage.of("notice", null, 2)).block(T);

            assertThat(List.of(sent, subscribed, unsubscribed)).allSatisfy(o -> {
                assertThat(o.status()).isEqualTo(Status.DONE);
                assertThat(o.nodeId()).isEqualTo(hub().options().broker().nodeId());
            });
            assertThat(c.received()).extracting(WsMessage::type)
                    .containsSubsequence("notice", "subscribed", "headline", "unsubscribed");
            assertThat(missing.status()).isEqualTo(Status.NOT_FOUND);
            assertThat(missing.detail()).isEqualTo("no connection 'no-such-id' on this hub (its broker reaches no other node)");
            assertThat(hub().admin().clusterConnection(id).block(T).info().nodeId())
                    .isEqualTo(hub().options().broker().nodeId());
        }
    }

    @Test
    void sendToUserSkipsTheExcludedConnections() {
        try (ReactorNettyTestClient sender = alice(); ReactorNettyTestClient other = alice()) {
            assertThat(hub().sendToUser("alice", "dm", 1, Set.of(idOf(sender)))).isEqualTo(1);

            other.next("dm");
            hub().sendToUser("alice", "marker", 2);
            sender.next("marker");
            assertThat(sender.received()).noneMatch(m -> m.is("dm"));
        }
    }
}
