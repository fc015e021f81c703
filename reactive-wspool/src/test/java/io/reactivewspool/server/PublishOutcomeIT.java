package io.reactivewspool.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.reactivewspool.history.HistoryOptions;
import io.reactivewspool.history.TopicHistory;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.test.HubFixture;
import io.reactivewspool.test.PacedBroker;
import io.reactivewspool.test.ReactorNettyTestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link WsHub#publish} and its siblings on one node over real loopback sockets: the outcome
 * carries the connections reached and the offset the subscribers receive; a refusal by the topic
 * policy or the broker is a typed error that names the cause.
 */
class PublishOutcomeIT {

    private static final Duration T = Duration.ofSeconds(30);
    private static final Map<String, String> TOKENS = Map.of("tok-alice", "alice", "tok-bob", "bob");

    private final List<AutoCloseable> resources = new ArrayList<>();
    private HubFixture node;

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable r : resources) {
            r.close();
        }
    }

    private WsHub start(WsHubOptions.Builder options) {
        node = HubFixture.start(options.authenticator(Authenticator.tokens(TOKENS)).closeDrainPeriod(Duration.ZERO).build());
        resources.add(node);
        return node.hub();
    }

    private ReactorNettyTestClient client(String token, String... topics) {
        ReactorNettyTestClient c = ReactorNettyTestClient.connect(node.wsUrl() + "?token=" + token);
        resources.add(0, c);
        c.welcome();
        for (String t : topics) {
            c.send(WsMessage.subscribe(t).withId("s-" + t));
            c.next(m -> m.is("subscribed") && ("s-" + t).equals(m.id()));
        }
        return c;
    }

    @Test
    void theOutcomeCarriesTheLocalCountAndTheOffsetSubscribersReceive() {
        WsHub hub = start(WsHubOptions.builder().history(TopicHistory.inMemory(HistoryOptions.builder().size(100).build())));
        ReactorNettyTestClient a = client("tok-alice", "orders");
        ReactorNettyTestClient b = client("tok-bob", "orders");
        client("tok-bob", "other");

        PublishResult first = hub.publish("orders", "order_created", Map.of("id", 1)).block(T);
        PublishResult second = hub.publish("orders", "order_created", Map.of("id", 2)).block(T);

        assertThat(first.localRecipients()).isEqualTo(2);
        assertThat(first.stored()).isTrue();
        assertThat(first.offset()).isEqualTo(first.epoch() + ":" + first.sequence());
        assertThat(second.epoch()).isEqualTo(first.epoch());
        assertThat(second.sequence()).isEqualTo(first.sequence() + 1);
        for (ReactorNettyTestClient c : List.of(a, b)) {
            assertThat(c.next("order_created").offset()).isEqualTo(first.offset());
            assertThat(c.next("order_created").offset()).isEqualTo(second.offset());
        }
    }

    @Test
    void severalTopicsReachEachConnectionOnceAndCarryNoOffset() {
        WsHub hub = start(WsHubOptions.builder());
        ReactorNettyTestClient both = client("tok-alice", "a", "b");
        client("tok-bob", "b");

        StepVerifier.create(hub.publish(Set.of("a", "b"), "news", "hi"))
                .assertNext(r -> {
                    assertThat(r.localRecipients()).isEqualTo(2);
                    assertThat(r.offset()).isNull();
                    assertThat(r.sequence()).isEqualTo(-1);
                })
                .expectComplete()
                .verify(T);
        both.next("news");
        hub.broadcast("a", "marker", null);
        both.next("marker");
        assertThat(both.received().stream().filter(m -> m.is("news"))).hasSize(1);
    }

    @Test
    void publishToUserReachesEveryConnectionOfTheUser() {
        WsHub hub = start(WsHubOptions.builder());
        ReactorNettyTestClient alice1 = client("tok-alice");
        ReactorNettyTestClient alice2 = client("tok-alice");
        client("tok-bob");

        StepVerifier.create(hub.publishToUser("alice", "notice", "hello"))
                .assertNext(r -> assertThat(r.localRecipients()).isEqualTo(2))
                .expectComplete()
                .verify(T);
        assertThat(alice1.next("notice").data().asString()).isEqualTo("hello");
        assertThat(alice2.next("notice").data().asString()).isEqualTo("hello");
    }

    @Test
    void aPublishTheTopicPolicyForbidsFailsTypedAndReachesNobody() {
        WsHub hub = start(WsHubOptions.builder().topicPolicy(TopicPolicy.publishTo(List.of("chat.*"))));
        ReactorNettyTestClient audit = client("tok-alice", "admin.audit", "chat.room");
        ReactorNettyTestClient bob = client("tok-bob", "chat.room");
        String bobId = bob.received().get(0).data().get("connection_id").asString();
        WsConnectionView sender = hub.connection(bobId).orElseThrow();

        StepVerifier.create(hub.publishAs(sender, "admin.audit", "entry", "forged"))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(WsPublishException.class);
                    WsPublishException p = (WsPublishException) e;
                    assertThat(p.reason()).isEqualTo(WsPublishException.Reason.FORBIDDEN);
                    assertThat(p.target()).isEqualTo("admin.audit");
                    assertThat(p.localRecipients()).isZero();
                    assertThat(p.getMessage()).contains("topic 'admin.audit'", "connection " + bobId, "user bob",
                            "chat.*", "WsHubOptions.topicPolicy");
                })
                .verify(T);
        StepVerifier.create(hub.publishAs(sender, "chat.room", "chat", "hi"))
                .assertNext(r -> assertThat(r.localRecipients()).as("the sender is excluded").isEqualTo(1))
                .expectComplete()
                .verify(T);

        assertThat(audit.next("chat").data().asString()).isEqualTo("hi");
        hub.broadcast("admin.audit", "marker", null);
        audit.next("marker");
        assertThat(audit.received()).noneMatch(m -> m.is("entry"));
        hub.broadcast("chat.room", "marker", null);
        bob.next("marker");
        assertThat(bob.received()).noneMatch(m -> m.is("chat"));
    }

    @Test
    void aBrokerThatCannotTakeTheMessageFailsTypedAfterLocalDelivery() {
        WsHub hub = start(WsHubOptions.builder().broker(PacedBroker.delayed(Duration.ZERO).refuse(1)));
        ReactorNettyTestClient sub = client("tok-alice", "orders");

        StepVerifier.create(hub.publish("orders", "order_created", 1))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(WsPublishException.class);
                    WsPublishException p = (WsPublishException) e;
                    assertThat(p.reason()).isEqualTo(WsPublishException.Reason.BROKER_UNAVAILABLE);
                    assertThat(p.localRecipients()).isEqualTo(1);
                    assertThat(p.getMessage()).contains("topic 'orders'", "paced broker refused publish #1",
                            "1 connection(s) on this node got it, other nodes did not");
                    assertThat(p.getCause()).hasMessage("paced broker refused publish #1");
                })
                .verify(T);
        assertThat(sub.next("order_created").data().asInt()).isEqualTo(1);
        assertThat(hub.admin().stats().messagesFailed()).isPositive();
    }
}
