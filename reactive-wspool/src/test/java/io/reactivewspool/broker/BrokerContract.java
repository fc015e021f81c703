package io.reactivewspool.broker;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

import io.reactivewspool.WsException;
import io.reactivewspool.broker.BrokerMessage.Kind;
import io.reactivewspool.history.HistoryOptions;
import io.reactivewspool.history.TopicHistory;
import io.reactivewspool.message.TopicName;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.Authenticator;
import io.reactivewspool.server.TopicPolicy;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.test.ForwardingBroker;
import io.reactivewspool.test.HubFixture;
import io.reactivewspool.test.ReactorNettyTestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * What the {@link Broker} SPI promises, checked against one implementation: a subclass says how
 * to connect a node's broker to its cluster, and every test runs there. Hub-level tests run on as
 * many hubs as the broker joins into one cluster (two, or one for {@link LocalBroker}, which
 * carries nothing between nodes), so each promise is checked both for the node that sends and for
 * the nodes that receive. Tests that need a second node or an outage are skipped where the broker
 * has none.
 *
 * <p>A new broker (Redis Cluster, NATS) gets these checks by adding one subclass.
 */
public abstract class BrokerContract {

    protected static final Duration T = Duration.ofSeconds(10);

    /** User ids the API accepts, chosen to break anything that joins, splits or truncates them. */
    protected static final Map<String, String> USERS = users();

    private final List<Broker> brokers = new ArrayList<>();
    private final List<HubFixture> hubs = new ArrayList<>();
    private final List<ReactorNettyTestClient> clients = new ArrayList<>();
    private final List<Disposable> subscriptions = new ArrayList<>();

    /** A new broker for {@code nodeId} in the same cluster as every other broker of this test. */
    protected abstract Broker connect(String nodeId);

    /** How many nodes can share one cluster through this broker: 1 when it carries nothing. */
    protected abstract int maxNodes();

    /** The topic history a hub on {@code broker} keeps (shared by the cluster where the broker can). */
    protected abstract TopicHistory history(Broker broker, HistoryOptions options);

    /** Cuts every node off the cluster (stops the server); {@code false} when the broker has nothing to cut. */
    protected boolean interruptCluster() {
        return false;
    }

    /** Undoes {@link #interruptCluster()}. */
    protected void restoreCluster() {
    }

    private static Map<String, String> users() {
        Map<String, String> users = new LinkedHashMap<>();
        users.put("tok-ann-ops", "cn=ann,ou=ops");
        users.put("tok-ann", "cn=ann");
        users.put("tok-ops", "ou=ops");
        users.put("tok-unicode", "Zoë 名前 \uD83D\uDE80 tab\there");
        users.put("tok-quotes", "say \"hi\" 'there' \\ ; {} [] %2C");
        users.put("tok-blank", " ");
        // Longer than the 65,535 bytes a 2-byte length can name, once UTF-8 encoded.
        users.put("tok-long", "ü".repeat(40_000));
        return Map.copyOf(users);
    }

    @AfterEach
    void stopEverything() {
        subscriptions.forEach(Disposable::dispose);
        clients.forEach(ReactorNettyTestClient::close);
        hubs.forEach(HubFixture::close); // each hub closes its broker
        for (Broker b : brokers) {
            b.close().block(T);
        }
        restoreCluster();
    }

    // ------------------------------------------------------------------ fixtures

    private Broker broker(String nodeId) {
        Broker b = connect(nodeId);
        brokers.add(b);
        return b;
    }

    /** Up to {@code wanted} hubs (never more than {@link #maxNodes()}), each on its own broker. */
    private List<HubFixture> hubs(int wanted, boolean history) {
        for (int i = 0; i < Math.min(wanted, maxNodes()); i++) {
            Broker b = connect("node-" + i);
            WsHubOptions.Builder options = WsHubOptions.builder()
                    .broker(b)
                    .authenticator(Authenticator.tokens(USERS))
                    .topicPolicy(TopicPolicy.publishTo(List.of("*")))
                    .outboundQueueSize(8_192) // a stress test's clients must not lose messages to a slow read
                    .closeDrainPeriod(Duration.ZERO);
            if (history) {
                options.history(history(b, HistoryOptions.builder().size(100).build()));
            }
            hubs.add(HubFixture.start(options.build()));
        }
        return hubs;
    }

    private ReactorNettyTestClient client(HubFixture hub, String token) {
        ReactorNettyTestClient c = ReactorNettyTestClient.connect(hub.wsUrl() + "?token=" + token);
        clients.add(c);
        c.welcome();
        return c;
    }

    private ReactorNettyTestClient subscriber(HubFixture hub, String token, String... topics) {
        ReactorNettyTestClient c = client(hub, token);
        for (String topic : topics) {
            c.send(WsMessage.subscribe(topic).withId("s-" + topic));
            c.next(m -> m.is(WsMessage.SUBSCRIBED) && ("s-" + topic).equals(m.id()));
        }
        return c;
    }

    private static long count(ReactorNettyTestClient c, String type) {
        return c.received().stream().filter(m -> m.is(type)).count();
    }

    private static Thread started(Runnable r) {
        Thread t = new Thread(r, "contract-stress");
        t.start();
        return t;
    }

    /** Waits until {@code c} has a marker on {@code topic} from each of {@code origins} nodes (sent after what is checked). */
    private static void awaitMarkers(ReactorNettyTestClient c, String topic, int origins) {
        await().atMost(T).until(() -> c.received().stream()
                .filter(m -> m.is("marker") && topic.equals(m.topic())).count() == origins);
    }

    private static String connectionId(ReactorNettyTestClient c) {
        return c.received().get(0).data().get("connection_id").asString();
    }

    private static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------ topics

    @Test
    void broadcastReachesEverySubscriberOfTheTopicOnEveryNodeWithTheSameBytes() {
        List<HubFixture> nodes = hubs(2, false);
        List<ReactorNettyTestClient> subs = new ArrayList<>();
        for (HubFixture n : nodes) {
            subs.add(subscriber(n, "tok-ann", "prices"));
        }
        ReactorNettyTestClient other = subscriber(nodes.get(nodes.size() - 1), "tok-ops", "other");

        assertThat(nodes.get(0).hub().broadcast("prices", "tick", Map.of("p", 42))).isEqualTo(1);

        WsMessage first = subs.get(0).next("tick");
        for (ReactorNettyTestClient s : subs) {
            // Same timestamp: the envelope crossed the broker as it was encoded on the origin.
            assertThat(s == subs.get(0) ? first : s.next("tick")).isEqualTo(first);
        }
        nodes.get(0).hub().broadcast("other", "marker", 1);
        other.next("marker");
        assertThat(count(other, "tick")).isZero();
    }

    @Test
    void broadcastToSeveralTopicsReachesSubscribersOfAnyOfThemOnEveryNodeEachConnectionOnce() {
        List<HubFixture> nodes = hubs(2, false);
        List<String> topics = List.of("multi/a", "multi/b", "multi/c");
        Map<ReactorNettyTestClient, String> watchers = new LinkedHashMap<>();
        for (HubFixture n : nodes) {
            watchers.put(subscriber(n, "tok-ann", "multi/a"), "multi/a");
            watchers.put(subscriber(n, "tok-ann", "multi/b"), "multi/b");
            watchers.put(subscriber(n, "tok-ann", "multi/a", "multi/b", "multi/c"), "multi/c");
            watchers.put(subscriber(n, "tok-ann", "multi/c", "multi/b"), "multi/c");
        }
        ReactorNettyTestClient bystander = subscriber(nodes.get(nodes.size() - 1), "tok-ops", "multi/z");

        // Every node is a publisher in turn: the promise holds whichever node the call is made on.
        // One at a time: two threads emitting to one topic of one node is the topic registry's promise.
        for (int origin = 0; origin < nodes.size(); origin++) {
            nodes.get(origin).hub().broadcast(new LinkedHashSet<>(topics), "multi", origin);
            for (String t : List.of("multi/a", "multi/b", "multi/c", "multi/z")) {
                nodes.get(origin).hub().broadcast(t, "marker", origin); // after it, on every channel
            }
            for (Map.Entry<ReactorNettyTestClient, String> w : watchers.entrySet()) {
                awaitMarkers(w.getKey(), w.getValue(), origin + 1);
            }
            awaitMarkers(bystander, "multi/z", origin + 1);
        }
        List<Integer> origins = IntStream.range(0, nodes.size()).boxed().toList();
        for (Map.Entry<ReactorNettyTestClient, String> w : watchers.entrySet()) {
            assertThat(w.getKey().received()).filteredOn(m -> m.is("multi"))
                    .as("each node's multi-topic broadcast exactly once")
                    .extracting(m -> m.data().asInt()).containsExactlyInAnyOrderElementsOf(origins);
        }
        assertThat(count(bystander, "multi")).isZero();
    }

    @Test
    void multiTopicBroadcastsWhileNodesInterestChurnsReachEachConnectionExactlyOnce() throws Exception {
        List<HubFixture> nodes = hubs(2, false);
        Set<String> topics = new LinkedHashSet<>(List.of("stress/a", "stress/b", "stress/c", "stress/d"));
        List<ReactorNettyTestClient> stable = new ArrayList<>();
        List<ReactorNettyTestClient> churning = new ArrayList<>();
        for (HubFixture n : nodes) {
            stable.add(subscriber(n, "tok-ann", "stress/a", "stress/end"));
            stable.add(subscriber(n, "tok-ann", "stress/b", "stress/c", "stress/end"));
            stable.add(subscriber(n, "tok-ann", "stress/a", "stress/b", "stress/c", "stress/end"));
            // The only subscriber of stress/d on its node: the node's interest in d goes on and off.
            churning.add(subscriber(n, "tok-ops", "stress/end"));
        }
        // One sender, on the first node: several threads emitting to one topic on one node (a
        // sender and the broker's delivery) is a promise of the topic registry, not of the broker.
        int sent = 300;
        long failedBefore = nodes.get(0).hub().admin().stats().messagesFailed();
        AtomicBoolean done = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            HubFixture n = nodes.get(i);
            String id = connectionId(churning.get(i));
            threads.add(started(() -> {
                for (int k = 0; k < 100 && !done.get(); k++) {
                    n.hub().subscribe(id, "stress/d");
                    n.hub().unsubscribe(id, "stress/d");
                }
            }));
        }
        Thread sender = started(() -> {
            for (int k = 0; k < sent; k++) {
                nodes.get(0).hub().broadcast(topics, "multi", k);
            }
        });
        sender.join(T.toMillis() * 3);
        done.set(true);
        for (Thread t : threads) {
            t.join(T.toMillis());
        }
        nodes.get(0).hub().broadcast("stress/end", "marker", 0);

        int expected = sent;
        List<ReactorNettyTestClient> all = new ArrayList<>(stable);
        all.addAll(churning);
        for (ReactorNettyTestClient c : all) {
            // The marker comes after every broadcast; the wait says how far each node got.
            await().atMost(T.multipliedBy(3)).untilAsserted(() -> assertThat(c.received())
                    .as("marker after %d of %d broadcasts; hubs failed/dropped %s", count(c, "multi"), expected,
                            nodes.stream().map(n -> n.hub().admin().stats().messagesFailed() + "/"
                                    + n.hub().admin().stats().messagesDropped()).toList())
                    .anyMatch(m -> m.is("marker") && "stress/end".equals(m.topic())));
        }
        // A publish the broker could not take (a command timeout on a starved machine) is lost for
        // the other nodes, and counted: at most that many may be missing there, none locally.
        long unpublished = nodes.get(0).hub().admin().stats().messagesFailed() - failedBefore;
        for (ReactorNettyTestClient c : stable) {
            List<Integer> got = c.received().stream().filter(m -> m.is("multi")).map(m -> m.data().asInt()).toList();
            assertThat(got).as("every broadcast at most once").doesNotHaveDuplicates();
            assertThat(got.size()).as("every broadcast once, but for %d counted publish failures (hubs failed/dropped %s)",
                    unpublished, nodes.stream().map(n -> n.hub().admin().stats().messagesFailed() + "/"
                            + n.hub().admin().stats().messagesDropped()).toList())
                    .isBetween((int) Math.max(0, (stable.indexOf(c) < 3 ? expected : expected - unpublished)), expected);
        }
        for (ReactorNettyTestClient c : churning) {
            assertThat(c.received().stream().filter(m -> m.is("multi")).map(m -> m.data().asInt()).toList())
                    .as("at most once while subscribing and unsubscribing").doesNotHaveDuplicates();
        }
    }

    @Test
    void topicsWithEveryCharacterTheApiAcceptsCrossIntact() {
        List<HubFixture> nodes = hubs(2, false);
        String all = "AZaz09_.:/-";
        String longest = "L".repeat(TopicName.MAX_LENGTH - all.length()) + all;
        HubFixture last = nodes.get(nodes.size() - 1);
        ReactorNettyTestClient s1 = subscriber(last, "tok-ann", all);
        ReactorNettyTestClient s2 = subscriber(last, "tok-ann", longest);
        ReactorNettyTestClient both = subscriber(last, "tok-ann", all, longest);

        nodes.get(0).hub().broadcast(all, "one", 1);
        nodes.get(0).hub().broadcast(longest, "one", 2);
        nodes.get(0).hub().broadcast(Set.of(all, longest), "multi", 3);

        assertThat(s1.next("one").topic()).isEqualTo(all);
        assertThat(s2.next("one").topic()).isEqualTo(longest);
        s1.next("multi");
        s2.next("multi");
        both.next("multi");
        assertThat(count(both, "one")).isEqualTo(2);
        nodes.get(0).hub().broadcast(all, "marker", 0);
        both.next("marker");
        assertThat(count(both, "multi")).isEqualTo(1);
    }

    // ------------------------------------------------------------------ users

    @Test
    void directMessageReachesExactlyTheUserItNamesOnEveryNodeWhateverItsCharacters() {
        List<HubFixture> nodes = hubs(2, false);
        Map<String, List<ReactorNettyTestClient>> byUser = new LinkedHashMap<>();
        for (HubFixture n : nodes) {
            for (Map.Entry<String, String> u : USERS.entrySet()) {
                ReactorNettyTestClient c = client(n, u.getKey());
                assertThat(c.received().get(0).data().get("user_id").asString()).isEqualTo(u.getValue());
                byUser.computeIfAbsent(u.getValue(), k -> new ArrayList<>()).add(c);
            }
        }

        for (String user : USERS.values()) {
            assertThat(nodes.get(0).hub().sendToUser(user, "dm", Map.of("to", user))).isEqualTo(1);
        }
        for (String user : USERS.values()) {
            nodes.get(0).hub().sendToUser(user, "end", null); // after every dm, on the same path
        }

        for (Map.Entry<String, List<ReactorNettyTestClient>> u : byUser.entrySet()) {
            for (ReactorNettyTestClient c : u.getValue()) {
                c.next("end");
                assertThat(c.received()).filteredOn(m -> m.is("dm"))
                        .as("direct messages of user %.40s", u.getKey())
                        .extracting(m -> m.data().get("to").asString()).containsExactly(u.getKey());
            }
        }
    }

    // ------------------------------------------------------------------ exclusions

    @Test
    void excludedConnectionsGetNothingOnAnyNodeAndAClientPublishSkipsItsSender() {
        List<HubFixture> nodes = hubs(2, false);
        HubFixture last = nodes.get(nodes.size() - 1);
        ReactorNettyTestClient publisher = subscriber(nodes.get(0), "tok-ann", "chat");
        ReactorNettyTestClient excluded = subscriber(last, "tok-ann", "chat");
        ReactorNettyTestClient included = subscriber(last, "tok-ops", "chat");

        nodes.get(0).hub().broadcast("chat", "note", 1, Set.of(connectionId(excluded), connectionId(publisher)));
        publisher.send(WsMessage.publish("chat", Map.of("text", "hi")).withId("p1"));
        assertThat(publisher.next("published").id()).isEqualTo("p1");
        assertThat(included.next("note").data().asInt()).isEqualTo(1);
        assertThat(included.next("data").data().get("text").asString()).isEqualTo("hi");
        assertThat(excluded.next("data").data().get("text").asString()).isEqualTo("hi");

        nodes.get(0).hub().broadcast("chat", "marker", 1);
        publisher.next("marker");
        excluded.next("marker");
        assertThat(count(publisher, "data")).as("a client's own publish").isZero();
        assertThat(count(publisher, "note")).isZero();
        assertThat(count(excluded, "note")).isZero();
    }

    // ------------------------------------------------------------------ control

    @Test
    void disconnectingAUserClosesItsConnectionsOnEveryNodeAndNoOneElses() {
        List<HubFixture> nodes = hubs(2, false);
        List<ReactorNettyTestClient> target = new ArrayList<>();
        List<ReactorNettyTestClient> others = new ArrayList<>();
        for (HubFixture n : nodes) {
            target.add(client(n, "tok-ann-ops"));
            others.add(client(n, "tok-ann"));
            others.add(client(n, "tok-ops"));
        }

        nodes.get(0).hub().admin().disconnectUser("cn=ann,ou=ops", "suspended").block(T);

        for (ReactorNettyTestClient c : target) {
            assertThat(c.awaitCloseCode()).isEqualTo(1000);
            assertThat(c.closeReason()).isEqualTo("suspended");
        }
        for (String user : List.of("cn=ann", "ou=ops")) {
            nodes.get(0).hub().sendToUser(user, "still_here", 1);
        }
        for (ReactorNettyTestClient c : others) {
            c.next("still_here");
            assertThat(c.isClosed()).isFalse();
        }
    }

    // ------------------------------------------------------------------ the SPI itself

    @Test
    void aMessageCrossesWithEveryPartExactlyAndNeverReturnsToItsOrigin() {
        assumeThat(maxNodes()).as("needs a second node").isGreaterThan(1);
        Broker a = broker("node-a");
        Broker b = broker("node-b");
        List<BrokerMessage> atA = new CopyOnWriteArrayList<>();
        List<BrokerMessage> atB = new CopyOnWriteArrayList<>();
        subscriptions.add(a.inbound().subscribe(atA::add));
        subscriptions.add(b.inbound().subscribe(atB::add));
        List<String> topics = List.of("spi/x", "spi/y");
        for (String t : topics) {
            a.interest(t, true).block(T);
            b.interest(t, true).block(T);
        }
        List<String> users = List.copyOf(USERS.values());
        byte[] payload = json("{\"type\":\"tick\",\"data\":\"ü\"}");

        a.publish(new BrokerMessage(Kind.TOPIC, topics, payload, "node-a", Set.of("conn,1", "conn 2"))).block(T);
        a.publish(new BrokerMessage(Kind.USER, users, payload, "node-a", Set.of())).block(T);
        a.publish(new BrokerMessage(Kind.CONTROL, "verb", json("{\"op\":\"x\"}"), "node-a", Set.of())).block(T);
        byte[] binary = {0, 0, 0, 2, '{', '}', (byte) 0xff, 0};
        a.publish(new BrokerMessage(Kind.REQUEST, "conn,7", binary, "node-a", Set.of())).block(T);
        a.publish(new BrokerMessage(Kind.REPLY, "node-b", binary, "node-a", Set.of())).block(T);

        await().atMost(T).until(() -> atB.size() >= 5);
        assertThat(atB).extracting(BrokerMessage::kind)
                .containsExactly(Kind.TOPIC, Kind.USER, Kind.CONTROL, Kind.REQUEST, Kind.REPLY);
        assertThat(atB.get(3).targets()).containsExactly("conn,7");
        assertThat(atB.get(3).payload()).as("a hub request's binary payload crosses as it is").isEqualTo(binary);
        assertThat(atB.get(4).targets()).containsExactly("node-b");
        BrokerMessage topic = atB.get(0);
        assertThat(topic.targets()).as("several topics arrive once, as one list").containsExactlyElementsOf(topics);
        assertThat(topic.payload()).isEqualTo(payload);
        assertThat(topic.originNodeId()).isEqualTo("node-a");
        assertThat(topic.excludedConnectionIds()).containsExactlyInAnyOrder("conn,1", "conn 2");
        assertThat(atB.get(1).targets()).containsExactlyElementsOf(users);
        assertThat(atB.get(2).targets()).containsExactly("verb");

        b.publish(new BrokerMessage(Kind.CONTROL, "marker", json("{}"), "node-b", Set.of())).block(T);
        await().atMost(T).until(() -> atA.size() == 1);
        assertThat(atA.get(0).targets()).as("A's own messages never come back to A").containsExactly("marker");
        assertThat(atB).hasSize(5);
    }

    @Test
    void aNodeHearsATopicOnlyWhileItDeclaresInterest() {
        assumeThat(maxNodes()).as("needs a second node").isGreaterThan(1);
        Broker a = broker("node-a");
        Broker b = broker("node-b");
        List<BrokerMessage> atB = new CopyOnWriteArrayList<>();
        subscriptions.add(b.inbound().subscribe(atB::add));
        AtomicInteger markers = new AtomicInteger();
        Runnable sync = () -> {
            int n = markers.incrementAndGet();
            a.publish(new BrokerMessage(Kind.CONTROL, "marker" + n, json("{}"), "node-a", Set.of())).block(T);
            await().atMost(T).until(() -> atB.stream().anyMatch(m -> m.targets().get(0).equals("marker" + n)));
        };
        byte[] payload = json("{}");

        a.publish(new BrokerMessage(Kind.TOPIC, "news", payload, "node-a", Set.of())).block(T);
        sync.run();
        b.interest("news", true).block(T);
        a.publish(new BrokerMessage(Kind.TOPIC, "news", payload, "node-a", Set.of())).block(T);
        a.publish(new BrokerMessage(Kind.TOPIC, List.of("elsewhere", "news"), payload, "node-a", Set.of())).block(T);
        sync.run();
        b.interest("news", false).block(T);
        a.publish(new BrokerMessage(Kind.TOPIC, "news", payload, "node-a", Set.of())).block(T);
        sync.run();

        assertThat(atB).filteredOn(m -> m.kind() == Kind.TOPIC).extracting(BrokerMessage::targets)
                .containsExactly(List.of("news"), List.of("elsewhere", "news"));
    }

    @Test
    void aLocalOnlyBrokerCompletesAtOnceAndIsAlwaysConnected() {
        assumeThat(maxNodes()).as("a broker that carries nothing").isEqualTo(1);
        Broker a = broker("node-a");
        List<BrokerMessage> in = new CopyOnWriteArrayList<>();
        subscriptions.add(a.inbound().subscribe(in::add));
        a.interest("t", true).block(T);
        a.publish(new BrokerMessage(Kind.TOPIC, List.of("t", "u"), json("{}"), "node-a", Set.of())).block(T);
        a.interest("t", false).block(T);
        assertThat(a.isConnected()).isTrue();
        assertThat(in).isEmpty();
    }

    @Test
    void aBrokerMessageNamesAtLeastOneTarget() {
        assertThatThrownBy(() -> new BrokerMessage(Kind.TOPIC, List.of(), json("{}"), "n", Set.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("targets");
        List<String> withNull = new ArrayList<>();
        withNull.add(null);
        assertThatThrownBy(() -> new BrokerMessage(Kind.USER, withNull, json("{}"), "n", Set.of()))
                .isInstanceOf(NullPointerException.class);
    }

    // ------------------------------------------------------------------ inbound failures

    @Test
    void aFailedInboundIsReportedDownAndTheHubResubscribesSoLaterMessagesArrive() {
        assumeThat(maxNodes()).as("needs a second node").isGreaterThan(1);
        Broker sender = broker("node-sender");
        Broker real = connect("node-receiver");
        AtomicBoolean failedOnce = new AtomicBoolean();
        AtomicReference<Boolean> connectedWhileFailed = new AtomicReference<>();
        // The receiving hub's broker: its inbound fails after the first message (as a broken
        // decoder or hand-off would), once. What the real broker says meanwhile is recorded.
        Broker failing = new ForwardingBroker(real) {
            @Override
            public Flux<BrokerMessage> inbound() {
                return Flux.defer(() -> failedOnce.get() ? real.inbound()
                        : real.inbound().take(1).concatWith(Flux.defer(() -> {
                            failedOnce.set(true);
                            connectedWhileFailed.set(real.isConnected());
                            return Flux.error(new IllegalStateException("injected inbound failure"));
                        })));
            }
        };
        HubFixture receiver = HubFixture.start(WsHubOptions.builder().broker(failing)
                .authenticator(Authenticator.tokens(USERS)).closeDrainPeriod(Duration.ZERO).build());
        hubs.add(receiver);
        ReactorNettyTestClient sub = subscriber(receiver, "tok-ann", "alerts");
        await().atMost(T).until(real::isConnected);
        long failedBefore = receiver.hub().admin().stats().messagesFailed();

        sender.publish(topicMessage("alerts", 1, "node-sender")).block(T);
        assertThat(sub.next("alert").data().asInt()).isEqualTo(1);
        await().atMost(T).until(() -> connectedWhileFailed.get() != null);
        assertThat(connectedWhileFailed.get()).as("isConnected() while nothing consumed the inbound").isFalse();

        // Published until one arrives: those sent before the hub resubscribed are lost, not queued.
        int[] n = {2};
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
            sender.publish(topicMessage("alerts", n[0]++, "node-sender")).block(T);
            return count(sub, "alert") >= 2;
        });
        await().atMost(T).until(real::isConnected);
        assertThat(receiver.hub().admin().stats().messagesFailed()).as("the restart is counted").isGreaterThan(failedBefore);
    }

    private static BrokerMessage topicMessage(String topic, int n, String origin) {
        return new BrokerMessage(Kind.TOPIC, topic,
                json("{\"type\":\"alert\",\"topic\":\"" + topic + "\",\"data\":" + n + "}"), origin, Set.of());
    }

    // ------------------------------------------------------------------ history

    @Test
    void historyReplaysWhatCameAfterAnOffsetGivenByAnyNode() {
        List<HubFixture> nodes = hubs(2, true);
        ReactorNettyTestClient first = subscriber(nodes.get(0), "tok-ann", "news");
        for (int i = 1; i <= 4; i++) {
            nodes.get(0).hub().broadcast("news", "story", i);
        }
        String seen = null;
        for (int i = 1; i <= 2; i++) {
            seen = first.next("story").offset();
        }
        first.next(m -> m.is("story") && m.data().asInt() == 4);

        ReactorNettyTestClient later = client(nodes.get(nodes.size() - 1), "tok-ops");
        later.send(WsMessage.subscribe("news", seen).withId("r"));
        WsMessage reply = later.next("subscribed");
        assertThat(reply.data().get("recovered").asBoolean()).isTrue();
        assertThat(later.received()).extracting(m -> m.is("story") ? "story" + m.data().asInt() : m.type())
                .containsExactly("welcome", "story3", "story4", "subscribed");

        nodes.get(0).hub().broadcast("news", "story", 5);
        WsMessage live = later.next("story");
        assertThat(live.data().asInt()).isEqualTo(5);
        assertThat(live.offset()).as("offsets continue across nodes").isNotEqualTo(seen);
    }

    @Test
    void anOffsetOfAnotherEpochIsNeverReportedRecovered() {
        List<HubFixture> nodes = hubs(2, true);
        ReactorNettyTestClient first = subscriber(nodes.get(0), "tok-ann", "news");
        nodes.get(0).hub().broadcast("news", "story", 1);
        String offset = first.next("story").offset();
        String otherEpoch = "other-epoch" + offset.substring(offset.lastIndexOf(':'));

        ReactorNettyTestClient later = client(nodes.get(nodes.size() - 1), "tok-ops");
        later.send(WsMessage.subscribe("news", otherEpoch).withId("r"));
        assertThat(later.next("subscribed").data().get("recovered").asBoolean()).isFalse();
    }

    // ------------------------------------------------------------------ reconnection

    @Test
    void whileTheClusterIsUnreachablePublishesFailAndAfterItReturnsDeliveryResumes() {
        assumeThat(maxNodes()).as("needs a second node").isGreaterThan(1);
        List<HubFixture> nodes = hubs(2, false);
        ReactorNettyTestClient onA = subscriber(nodes.get(0), "tok-ann", "prices");
        ReactorNettyTestClient onB = subscriber(nodes.get(1), "tok-ann", "prices");
        Broker a = connect("node-direct");
        brokers.add(a);
        subscriptions.add(a.inbound().subscribe());
        assumeThat(interruptCluster()).as("the broker has a server to stop").isTrue();

        await().atMost(T).until(() -> !a.isConnected());
        assertThatThrownBy(() -> a.publish(topicMessage("prices", 0, "node-direct")).block(T))
                .isInstanceOf(WsException.class);
        nodes.get(0).hub().broadcast("prices", "tick", 0);
        assertThat(onA.next("tick").data().asInt()).as("local delivery never waits for the cluster").isZero();

        restoreCluster();
        await().atMost(Duration.ofSeconds(30)).until(a::isConnected);
        int[] n = {100};
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
            nodes.get(0).hub().broadcast("prices", "tick", n[0]++);
            return onB.received().stream().anyMatch(m -> m.is("tick") && m.data().asInt() >= 100);
        });
        assertThat(onB.isClosed()).isFalse();
    }
}
