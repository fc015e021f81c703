package io.reactivewspool.broker.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.ClusterSpec;
import io.reactivewspool.server.ConnectionInfo;
import io.reactivewspool.server.ConnectionOutcome;
import io.reactivewspool.server.ConnectionOutcome.Status;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.test.ReactorNettyTestClient;
import io.reactivewspool.test.RedisHubs;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Four threads send to, subscribe and unsubscribe 16 connections spread over two hubs sharing one
 * real redis-server, each operation issued from either hub (so both the local and the remote path
 * run), while half of the clients disconnect. At quiescence, on every hub: the registry holds
 * exactly the open clients, the topic subscriber counts are those of the connections' topics, no
 * closed connection is found or subscribed again, every confirmed send arrived exactly once, and
 * each client's view of its server-side subscriptions (its {@code subscribed}/{@code unsubscribed}
 * notices, in order) is the hub's.
 */
class ClusterConnectionOpsStressIT {

    private static final Duration T = Duration.ofSeconds(30);
    private static final int CLIENTS_PER_NODE = 8;
    private static final int THREADS = 4;
    private static final int OPS_PER_THREAD = 50;
    private static final List<String> TOPICS = List.of("s/0", "s/1", "s/2", "s/3");

    @RegisterExtension
    final RedisHubs hubs = RedisHubs.perTest(List.of("node-a", "node-b"), null,
            (broker, b) -> b.cluster(ClusterSpec.builder().requestTimeout(Duration.ofSeconds(15)).build()));

    @BeforeEach
    void start() {
        await().atMost(T).until(() -> hubs.broker(0).liveNodes().block(T).size() == 2);
    }

    private record Client(ReactorNettyTestClient socket, String id, int node) {
    }

    @Test
    void concurrentRemoteOperationsWhileClientsLeaveKeepEveryNodeConsistent() throws Exception {
        List<Client> clients = new ArrayList<>();
        for (int node = 0; node < 2; node++) {
            for (int i = 0; i < CLIENTS_PER_NODE; i++) {
                ReactorNettyTestClient c = hubs.client(node, i % 2 == 0 ? "tok-alice" : "tok-bob");
                clients.add(new Client(c, c.received().get(0).data().get("connection_id").asString(), node));
            }
        }
        // Every other client leaves during the run, two per thread.
        List<Client> leavers = new ArrayList<>();
        for (int i = 0; i < clients.size(); i += 2) {
            leavers.add(clients.get(i));
        }
        Map<String, Set<Long>> confirmed = new ConcurrentHashMap<>();
        Map<Status, AtomicLong> outcomes = new ConcurrentHashMap<>();
        AtomicLong seq = new AtomicLong();

        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<Future<?>> work = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            work.add(pool.submit(() -> {
                ThreadLocalRandom r = ThreadLocalRandom.current();
                for (int i = 0; i < OPS_PER_THREAD; i++) {
                    if (i == 15 || i == 35) {
                        leavers.get(thread * 2 + (i == 15 ? 0 : 1)).socket().close();
                    }
                    Client target = clients.get(r.nextInt(clients.size()));
                    WsHub from = hubs.node(r.nextInt(2)).hub();
                    String topic = TOPICS.get(r.nextInt(TOPICS.size()));
                    ConnectionOutcome o;
                    switch (r.nextInt(3)) {
                        case 0 -> {
                            long n = seq.incrementAndGet();
                            o = from.sendToConnection(target.id(), WsMessage.of("direct", null, n)).block(T);
                            if (o.status() == Status.DONE) {
                                confirmed.computeIfAbsent(target.id(), k -> ConcurrentHashMap.newKeySet()).add(n);
                            }
                        }
                        case 1 -> o = from.subscribeConnection(target.id(), topic).block(T);
                        default -> o = from.unsubscribeConnection(target.id(), topic).block(T);
                    }
                    outcomes.computeIfAbsent(o.status(), k -> new AtomicLong()).incrementAndGet();
                }
            }));
        }
        for (Future<?> f : work) {
            f.get(2, TimeUnit.MINUTES);
        }
        pool.shutdown();

        assertThat(outcomes).as("every live node answered in time").doesNotContainKey(Status.NO_ANSWER);
        assertThat(outcomes.get(Status.DONE).get()).isPositive();
        Set<String> closedIds = new HashSet<>();
        leavers.forEach(l -> closedIds.add(l.id()));
        List<Client> open = clients.stream().filter(c -> !closedIds.contains(c.id())).toList();

        // The registry of each node holds exactly its open clients.
        await().atMost(T).untilAsserted(() -> {
            for (int node = 0; node < 2; node++) {
                int n = node;
                assertThat(hubs.node(node).hub().admin().connections(null, null)).extracting(ConnectionInfo::connectionId)
                        .containsExactlyInAnyOrderElementsOf(open.stream().filter(c -> c.node() == n).map(Client::id).toList());
            }
        });
        // Topic subscriber counts are the connections' topics: nothing leaked by a subscribe racing a close.
        for (int node = 0; node < 2; node++) {
            WsHub hub = hubs.node(node).hub();
            Map<String, Integer> fromConnections = new TreeMap<>();
            for (ConnectionInfo info : hub.admin().connections(null, null)) {
                info.topics().forEach(t -> fromConnections.merge(t, 1, Integer::sum));
            }
            assertThat(hub.admin().stats().topicSubscribers()).as("node " + node).isEqualTo(fromConnections);
        }
        // A closed connection is found nowhere and gets nothing more.
        for (String id : closedIds) {
            for (int node = 0; node < 2; node++) {
                WsHub hub = hubs.node(node).hub();
                assertThat(hub.sendToConnection(id, WsMessage.of("direct", null, -1)).block(T).status()).isEqualTo(Status.NOT_FOUND);
                assertThat(hub.subscribeConnection(id, "s/0").block(T).status()).isEqualTo(Status.NOT_FOUND);
            }
        }
        assertThat(hubs.node(0).hub().admin().clusterConnections(null, null, 1, 100).block(T).total()).isEqualTo(open.size());
        // Every confirmed send arrived once, and nothing unconfirmed arrived, on open and closed clients alike.
        for (Client c : clients) {
            Set<Long> expected = confirmed.getOrDefault(c.id(), Set.of());
            if (!closedIds.contains(c.id())) {
                await().atMost(T).until(() -> directs(c).size() >= expected.size());
            }
            List<Long> got = directs(c);
            assertThat(new HashSet<>(got)).as("no duplicate for " + c.id()).hasSize(got.size());
            if (closedIds.contains(c.id())) {
                assertThat(expected).as("nothing unconfirmed reached " + c.id()).containsAll(got);
            } else {
                assertThat(new HashSet<>(got)).as("exactly the confirmed sends reached " + c.id()).isEqualTo(expected);
            }
        }
        // Each open client was told of its server-side subscriptions in the order they were made.
        await().atMost(T).untilAsserted(() -> {
            for (Client c : open) {
                assertThat(toldTopics(c)).as("client " + c.id())
                        .isEqualTo(new TreeSet<>(hubs.node(c.node()).hub().connection(c.id()).orElseThrow().topics()));
            }
        });
    }

    private static List<Long> directs(Client c) {
        return c.socket().received().stream().filter(m -> m.is("direct")).map(m -> m.data().asLong()).toList();
    }

    private static Set<String> toldTopics(Client c) {
        Map<String, Boolean> last = new HashMap<>();
        for (WsMessage m : c.socket().received()) {
            if ((m.is(WsMessage.SUBSCRIBED) || m.is(WsMessage.UNSUBSCRIBED)) && m.data() != null
                    && "server".equals(m.data().path("by").asString(""))) {
                last.put(m.topic(), m.is(WsMessage.SUBSCRIBED));
            }
        }
        Set<String> told = new TreeSet<>();
        last.forEach((t, on) -> {
            if (on) {
                told.add(t);
            }
        });
        return told;
    }
}
