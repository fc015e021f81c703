package io.reactivewspool.server;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import io.reactivewspool.broker.BrokerMessage;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.test.CountingCodec;
import io.reactivewspool.test.FakeTransport;
import io.reactivewspool.test.RecordingBroker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;
import reactor.test.util.RaceTestUtils;

import static org.assertj.core.api.Assertions.assertThat;

/** The hub's logic over in-memory transports; timed features in virtual time. */
class WsHubTest {

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    private final List<WsHub> hubs = new ArrayList<>();

    private WsHub hub(WsHubOptions.Builder b) {
        WsHub h = WsHub.create(b.scheduler(time).closeDrainPeriod(Duration.ZERO).build());
        hubs.add(h);
        return h;
    }

    @AfterEach
    void close() {
        hubs.forEach(h -> h.close().subscribe());
        time.advanceTimeBy(Duration.ofMinutes(1));
        time.dispose();
    }

    private static FakeTransport connect(WsHub hub, String user) {
        return connect(hub, user, new FakeTransport());
    }

    private static FakeTransport connect(WsHub hub, String user, FakeTransport t) {
        hub.serve(t, Admission.accepted(user)).subscribe();
        return t;
    }

    private static String idOf(FakeTransport t) {
        return t.messages(WsMessage.WELCOME).get(0).data().get("connection_id").asString();
    }

    @Test
    void heartbeatSendsPingFramesAndClosesAnIdleConnectionWith4000() {
        WsHub hub = hub(WsHubOptions.builder().heartbeatInterval(Duration.ofSeconds(1)).connectionTimeout(Duration.ofSeconds(3)));
        FakeTransport t = connect(hub, null);
        time.advanceTimeBy(Duration.ofSeconds(2));
        assertThat(t.frames().stream().filter(f -> f.kind() == OutboundFrame.Kind.PING)).hasSize(2);
        assertThat(t.closeStatus()).isNull();
        time.advanceTimeBy(Duration.ofSeconds(2));
        assertThat(t.closeStatus().code()).isEqualTo(4000);
        assertThat(hub.admin().stats().heartbeatTimeouts()).isEqualTo(1);
        assertThat(hub.admin().stats().activeConnections()).isZero();
    }

    @Test
    void pongFramesKeepAConnectionOpen() {
        WsHub hub = hub(WsHubOptions.builder().heartbeatInterval(Duration.ofSeconds(1)).connectionTimeout(Duration.ofSeconds(3)));
        FakeTransport t = connect(hub, null);
        for (int i = 0; i < 10; i++) {
            time.advanceTimeBy(Duration.ofSeconds(1));
            t.clientSendsFrame(new InboundFrame(InboundFrame.Kind.PONG, new byte[0]));
        }
        assertThat(t.closeStatus()).isNull();
        assertThat(hub.admin().stats().activeConnections()).isEqualTo(1);
    }

    @Test
    void heartbeatMessagesAreEncodedOncePerTick() {
        CountingCodec codec = new CountingCodec();
        WsHub hub = hub(WsHubOptions.builder().codec(codec).heartbeatMessages(true).heartbeatInterval(Duration.ofSeconds(1)));
        List<FakeTransport> ts = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            ts.add(connect(hub, null));
        }
        codec.reset();
        time.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(codec.encodes()).isEqualTo(1);
        assertThat(ts).allSatisfy(t -> assertThat(t.messages(WsMessage.HEARTBEAT)).hasSize(1));
    }

    @Test
    void cleanupRemovesStaleConnectionsAndCountsThem() {
        WsHub hub = hub(WsHubOptions.builder().heartbeatInterval(Duration.ofSeconds(100)).connectionTimeout(Duration.ofSeconds(100))
                .cleanupInterval(Duration.ofSeconds(101)));
        FakeTransport t = connect(hub, null, new FakeTransport().deadPeer());
        time.advanceTimeBy(Duration.ofSeconds(101));
        assertThat(hub.admin().stats().cleanupRemovedStale()).isEqualTo(1);
        assertThat(hub.admin().stats().activeConnections()).isZero();
        assertThat(t.closeStatus().code()).isEqualTo(4000);
    }

    @Test
    void cleanupRemovesConnectionsWithFailedSendsOverTheThreshold() {
        WsHub hub = hub(WsHubOptions.builder().failedSendThreshold(1));
        connect(hub, null, new FakeTransport().failSends().deadPeer());
        FakeTransport healthy = connect(hub, null);
        StepVerifier.create(hub.admin().cleanup())
                .assertNext(r -> {
                    assertThat(r.removedFailed()).isEqualTo(1);
                    assertThat(r.remaining()).isEqualTo(1);
                })
                .expectComplete()
                .verify(Duration.ofSeconds(5));
        assertThat(healthy.closeStatus()).isNull();
        assertThat(hub.admin().stats().cleanupRemovedFailed()).isEqualTo(1);
    }

    @Test
    void cleanupRemovesConnectionsStuckInClosing() {
        WsHub hub = hub(WsHubOptions.builder());
        FakeTransport t = connect(hub, null, new FakeTransport().deadPeer());
        hub.admin().disconnect(List.of(idOf(t)), "bye").block(Duration.ofSeconds(5));
        assertThat(hub.admin().stats().connectionStates()).containsEntry(ConnectionState.CLOSING, 1);
        time.advanceTimeBy(Duration.ofSeconds(11));
        StepVerifier.create(hub.admin().cleanup())
                .assertNext(r -> assertThat(r.removedClosed()).isEqualTo(1))
                .expectComplete()
                .verify(Duration.ofSeconds(5));
        assertThat(hub.admin().stats().activeConnections()).isZero();
    }

    @Test
    void gracefulCloseSpreadsTheClosesOverTheDrainPeriodAndStopsTheTimers() {
        WsHub hub = WsHub.create(WsHubOptions.builder().scheduler(time).closeBatchSize(100)
                .closeDrainPeriod(Duration.ofSeconds(3)).heartbeatInterval(Duration.ofSeconds(1)).build());
        List<FakeTransport> ts = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            ts.add(connect(hub, null));
        }
        boolean[] done = {false};
        hub.close().subscribe(null, null, () -> done[0] = true);
        assertThat(hub.isAccepting()).isFalse();
        assertThat(closedWith1001(ts)).isEqualTo(100);
        time.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(closedWith1001(ts)).isEqualTo(200);
        assertThat(done[0]).isFalse();
        time.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(closedWith1001(ts)).isEqualTo(250);
        assertThat(done[0]).isTrue();
        assertThat(hub.admit(new HandshakeInfo("/ws", Map.of(), Map.of(), null, null)).block().httpStatus()).isEqualTo(503);
        long pings = ts.get(0).frames().stream().filter(f -> f.kind() == OutboundFrame.Kind.PING).count();
        time.advanceTimeBy(Duration.ofSeconds(10));
        assertThat(ts.get(0).frames().stream().filter(f -> f.kind() == OutboundFrame.Kind.PING).count()).isEqualTo(pings);
    }

    private static long closedWith1001(List<FakeTransport> ts) {
        return ts.stream().filter(t -> t.closeStatus() != null && t.closeStatus().code() == 1001).count();
    }

    @Test
    void broadcastToAThousandSubscribersIsEncodedOnceAndSharesTheBytes() {
        CountingCodec codec = new CountingCodec();
        WsHub hub = hub(WsHubOptions.builder().codec(codec));
        List<FakeTransport> ts = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            FakeTransport t = connect(hub, null);
            assertThat(hub.subscribe(idOf(t), "prices")).isTrue();
            ts.add(t);
        }
        codec.reset();
        int reached = hub.broadcast("prices", "tick", Map.of("px", 101.5));
        assertThat(reached).isEqualTo(1000);
        assertThat(codec.encodes()).isEqualTo(1);
        byte[] shared = last(ts.get(0)).payload();
        assertThat(ts).allSatisfy(t -> assertThat(last(t).payload()).isSameAs(shared));
        assertThat(WsCodec.json().decode(shared).type()).isEqualTo("tick");
    }

    private static OutboundFrame last(FakeTransport t) {
        List<OutboundFrame> f = t.frames();
        return f.get(f.size() - 1);
    }

    @Test
    void broadcastToSeveralTopicsReachesEachConnectionOnce() {
        WsHub hub = hub(WsHubOptions.builder());
        FakeTransport both = connect(hub, null);
        FakeTransport onlyA = connect(hub, null);
        hub.subscribe(idOf(both), "a");
        hub.subscribe(idOf(both), "b");
        hub.subscribe(idOf(onlyA), "a");
        assertThat(hub.broadcast(Set.of("a", "b"), "news", Map.of())).isEqualTo(2);
        assertThat(both.messages("news")).hasSize(1);
        assertThat(onlyA.messages("news")).hasSize(1);
    }

    @Test
    void excludedConnectionsDoNotReceiveABroadcast() {
        WsHub hub = hub(WsHubOptions.builder());
        FakeTransport a = connect(hub, null);
        FakeTransport b = connect(hub, null);
        hub.subscribe(idOf(a), "t");
        hub.subscribe(idOf(b), "t");
        assertThat(hub.broadcast("t", "x", null, Set.of(idOf(a)))).isEqualTo(1);
        assertThat(a.messages("x")).isEmpty();
        assertThat(b.messages("x")).hasSize(1);
    }

    @Test
    void sendToUserReachesOnlyThatUsersConnections() {
        WsHub hub = hub(WsHubOptions.builder());
        FakeTransport alice1 = connect(hub, "alice");
        FakeTransport alice2 = connect(hub, "alice");
        FakeTransport bob = connect(hub, "bob");
        FakeTransport anon = connect(hub, null);
        assertThat(hub.sendToUser("alice", "notification", Map.of("n", 1))).isEqualTo(2);
        assertThat(alice1.messages("notification")).hasSize(1);
        assertThat(alice2.messages("notification")).hasSize(1);
        assertThat(bob.messages("notification")).isEmpty();
        assertThat(anon.messages("notification")).isEmpty();
        assertThat(hub.admin().stats().users()).isEqualTo(2);
    }

    @Test
    void slowSubscriberQueueStaysBoundedWhileOthersReceiveEverything() {
        WsHub hub = hub(WsHubOptions.builder().outboundQueueSize(10));
        FakeTransport fast = connect(hub, null);
        FakeTransport slow = connect(hub, null, new FakeTransport(false));
        hub.subscribe(idOf(fast), "t");
        hub.subscribe(hub.admin().connections(null, null).stream().filter(i -> !i.connectionId().equals(idOf(fast)))
                .findFirst().orElseThrow().connectionId(), "t");
        for (int i = 0; i < 1000; i++) {
            hub.broadcast("t", "n", i);
        }
        assertThat(fast.messages("n")).hasSize(1000);
        ConnectionInfo slowInfo = hub.admin().connections(null, "t").stream().filter(i -> i.sent() == 0).findFirst().orElseThrow();
        assertThat(slowInfo.queuedMessages()).isEqualTo(10);
        assertThat(slowInfo.dropped()).isEqualTo(991); // welcome + 1000 broadcasts into 10 slots
        assertThat(hub.admin().stats().messagesDropped()).isEqualTo(991);
        slow.request(Long.MAX_VALUE);
        // drop-oldest: the slow client sees the newest ten
        assertThat(slow.messages("n")).extracting(m -> m.data().asInt()).containsExactly(990, 991, 992, 993, 994, 995, 996, 997, 998, 999);
    }

    @Test
    void dropNewestKeepsTheOldestQueuedMessages() {
        WsHub hub = hub(WsHubOptions.builder().outboundQueueSize(3).overflowPolicy(OverflowPolicy.DROP_NEWEST));
        FakeTransport slow = connect(hub, null, new FakeTransport(false));
        String id = hub.admin().connections(null, null).get(0).connectionId();
        hub.subscribe(id, "t");
        for (int i = 0; i < 5; i++) {
            hub.broadcast("t", "n", i);
        }
        slow.request(Long.MAX_VALUE);
        assertThat(slow.messages("n")).extracting(m -> m.data().asInt()).containsExactly(0, 1);
        assertThat(hub.admin().connection(id).orElseThrow().dropped()).isEqualTo(3);
    }

    @Test
    void overflowWithDisconnectPolicyClosesWith4001() {
        WsHub hub = hub(WsHubOptions.builder().outboundQueueSize(2).overflowPolicy(OverflowPolicy.DISCONNECT));
        FakeTransport slow = connect(hub, null, new FakeTransport(false));
        String id = hub.admin().connections(null, null).get(0).connectionId();
        hub.subscribe(id, "t");
        hub.broadcast("t", "n", 1);
        hub.broadcast("t", "n", 2);
        assertThat(slow.closeStatus().code()).isEqualTo(4001);
    }

    @Test
    void concurrentBroadcastsFromManyThreadsAreAllDelivered() {
        WsHub hub = hub(WsHubOptions.builder().outboundQueueSize(100_000));
        FakeTransport t = connect(hub, null);
        hub.subscribe(idOf(t), "t");
        for (int round = 0; round < 200; round++) {
            RaceTestUtils.race(() -> hub.broadcast("t", "n", 1), () -> hub.broadcast("t", "n", 2),
                    () -> hub.broadcast("t", "n", 3), () -> hub.broadcast("t", "n", 4));
        }
        assertThat(t.messages("n")).hasSize(800);
        assertThat(hub.admin().stats().messagesFailed()).isZero();
    }

    @Test
    void topicFluxDeliversBroadcastsToInProcessSubscribersAndCountsAsASubscriber() {
        RecordingBroker broker = new RecordingBroker();
        WsHub hub = hub(WsHubOptions.builder().broker(broker));
        List<WsMessage> got = new CopyOnWriteArrayList<>();
        Disposable d = hub.topic("prices").subscribe(got::add);
        assertThat(broker.interest).containsExactly("+prices");
        hub.broadcast("prices", "tick", 1);
        assertThat(got).extracting(WsMessage::type).containsExactly("tick");
        d.dispose();
        assertThat(broker.interest).containsExactly("+prices", "-prices");
        assertThat(hub.admin().stats().topicSubscribers()).doesNotContainKey("prices");
    }

    @Test
    void topicIsCreatedWithItsFirstSubscriberAndRemovedWithItsLast() {
        RecordingBroker broker = new RecordingBroker();
        WsHub hub = hub(WsHubOptions.builder().broker(broker));
        FakeTransport a = connect(hub, null);
        FakeTransport b = connect(hub, null);
        a.clientSends(WsMessage.subscribe("room"));
        b.clientSends(WsMessage.subscribe("room"));
        assertThat(hub.admin().stats().topicSubscribers()).containsEntry("room", 2);
        a.clientSends(WsMessage.unsubscribe("room"));
        assertThat(broker.interest).containsExactly("+room");
        b.drop();
        assertThat(broker.interest).containsExactly("+room", "-room");
        assertThat(hub.admin().stats().topicSubscribers()).isEmpty();
    }

    @Test
    void broadcastHandsTheSameEncodedBytesToTheBroker() {
        RecordingBroker broker = new RecordingBroker();
        WsHub hub = hub(WsHubOptions.builder().broker(broker));
        FakeTransport t = connect(hub, null);
        hub.subscribe(idOf(t), "t");
        hub.broadcast("t", "x", Map.of("k", "v"), Set.of("someone"));
        BrokerMessage m = broker.published.get(0);
        assertThat(m.kind()).isEqualTo(BrokerMessage.Kind.TOPIC);
        assertThat(m.targets()).containsExactly("t");
        assertThat(m.originNodeId()).isEqualTo("node-test");
        assertThat(m.excludedConnectionIds()).containsExactly("someone");
        assertThat(m.payload()).isSameAs(last(t).payload());
        hub.sendToUser("alice", "y", null);
        assertThat(broker.published.get(1).kind()).isEqualTo(BrokerMessage.Kind.USER);
    }

    @Test
    void messagesFromOtherNodesAreDeliveredWithTheirBytesAndOwnMessagesAreIgnored() {
        RecordingBroker broker = new RecordingBroker();
        WsHub hub = hub(WsHubOptions.builder().broker(broker));
        FakeTransport t = connect(hub, "alice");
        FakeTransport excluded = connect(hub, null);
        hub.subscribe(idOf(t), "t");
        hub.subscribe(idOf(excluded), "t");
        byte[] payload = WsCodec.json().encode(WsMessage.of("remote", "t", 1));
        broker.receive(new BrokerMessage(BrokerMessage.Kind.TOPIC, "t", payload, "node-other", Set.of(idOf(excluded))));
        assertThat(last(t).payload()).isSameAs(payload);
        assertThat(excluded.messages("remote")).isEmpty();
        broker.receive(new BrokerMessage(BrokerMessage.Kind.TOPIC, "t", payload, "node-test", Set.of()));
        assertThat(t.messages("remote")).hasSize(1);
        broker.receive(new BrokerMessage(BrokerMessage.Kind.USER, "alice",
                "{\"type\":\"dm\"}".getBytes(StandardCharsets.UTF_8), "node-other", Set.of()));
        assertThat(t.messages("dm")).hasSize(1);
    }

    @Test
    void closingTheHubClosesItsBroker() {
        RecordingBroker broker = new RecordingBroker();
        WsHub hub = WsHub.create(WsHubOptions.builder().broker(broker).scheduler(time).closeDrainPeriod(Duration.ZERO).build());
        hub.close().block(Duration.ofSeconds(5));
        assertThat(broker.isClosed()).isTrue();
    }

    @Test
    void handlerCanBroadcastThroughTheHubAndReply() {
        WsHub hub = hub(WsHubOptions.builder().handler("chat", ctx -> {
            ctx.hub().broadcast(ctx.message().topic(), "chat", ctx.message().data(), Set.of(ctx.connection().id()));
            return Mono.just(WsMessage.of("chat_ack"));
        }));
        FakeTransport a = connect(hub, null);
        FakeTransport b = connect(hub, null);
        hub.subscribe(idOf(a), "room");
        hub.subscribe(idOf(b), "room");
        a.clientSends(WsMessage.builder("chat").topic("room").data("hi").id("c1").build());
        assertThat(b.messages("chat")).hasSize(1);
        assertThat(a.messages("chat")).isEmpty();
        assertThat(a.messages("chat_ack").get(0).id()).isEqualTo("c1");
    }
}
