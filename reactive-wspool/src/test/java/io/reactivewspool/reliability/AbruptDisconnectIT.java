package io.reactivewspool.reliability;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.ConnectionListener;
import io.reactivewspool.server.ConnectionState;
import io.reactivewspool.server.HubStats;
import io.reactivewspool.server.Presence;
import io.reactivewspool.server.WsConnectionView;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.test.AdminHttp;
import io.reactivewspool.test.HubFixture;
import io.reactivewspool.test.LeakRecorder;
import io.reactivewspool.test.LiveHeap;
import io.reactivewspool.test.RawSocketClient;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Thousands of clients that vanish at once with a TCP reset (no close frame, no FIN) leave
 * nothing behind: no registry entry, topic sink, user index entry, presence, buffer or heap.
 * Needs about 10,000 file descriptors: run with {@code ulimit -n 20000} (scripts/test.sh does).
 */
class AbruptDisconnectIT {

    private static final int CLIENTS = 5000;
    private static final int WARM_UP_CLIENTS = 200;
    private static final int TOPICS = 50;
    private static final int CONNECTIONS_PER_USER = 5;
    private static final String ADMIN_TOKEN = "ADMIN";
    /**
     * What the heap may keep over its reading before the connections: JIT, class and pool
     * warm-up left over from the warm-up round, the hub's log limiters, Netty's per-thread
     * caches. 5,000 leaked connections would keep far more (their registry entries, queues,
     * subscriptions and Netty channels: several KiB each, see the printed "connected" figure).
     */
    private static final long HEAP_SLACK = 16 * LiveHeap.MIB;

    @Test
    void fiveThousandClientsResetAtOnceLeaveNoConnectionTopicUserBufferOrHeapBehind() {
        AtomicInteger opened = new AtomicInteger();
        AtomicInteger closed = new AtomicInteger();
        WsHubOptions options = WsHubOptions.builder()
                // The token is the user id: CONNECTIONS_PER_USER connections share each user.
                .authenticator((token, handshake) -> Mono.justOrEmpty(token))
                .presenceTopics(List.of("t*"))
                .connectionListener(new ConnectionListener() {
                    @Override
                    public void onOpen(WsConnectionView connection, WsHub hub) {
                        opened.incrementAndGet();
                    }

                    @Override
                    public void onClose(WsConnectionView connection, WsHub hub) {
                        closed.incrementAndGet();
                    }
                })
                .build();
        try (HubFixture f = HubFixture.start(options, ADMIN_TOKEN)) {
            // A first round loads classes, compiles hot paths and fills Netty's pools, so that the
            // baseline below already holds what any server keeps once it has served connections.
            connectSubscribeAndReset(f, WARM_UP_CLIENTS);
            awaitEmpty(f.hub());

            long baseline = LiveHeap.bytes();
            List<RawSocketClient> clients = connectAndSubscribe(f, CLIENTS);
            int total = WARM_UP_CLIENTS + CLIENTS;
            HubStats up = f.hub().admin().stats();
            assertThat(up.activeConnections()).isEqualTo(CLIENTS);
            assertThat(up.users()).isEqualTo(CLIENTS / CONNECTIONS_PER_USER);
            assertThat(up.topicSubscribers()).hasSize(TOPICS).allSatisfy((t, n) -> assertThat(n).isEqualTo(2 * CLIENTS / TOPICS));
            Presence p = f.hub().presence("t0").block(Duration.ofSeconds(5));
            assertThat(p.connections()).isEqualTo(2 * CLIENTS / TOPICS);
            assertThat(p.users()).isNotEmpty();
            long connected = LiveHeap.bytes();

            // All at once: SO_LINGER 0 then close, the server sees "connection reset by peer".
            clients.forEach(RawSocketClient::abort);
            clients = null;
            // The transport notices the resets by itself: no cleanup sweep is run (the timed one
            // is 60 s away), so everything below was removed on the reset.
            awaitEmpty(f.hub());

            HubStats after = f.hub().admin().stats();
            assertThat(after.activeConnections()).isZero();
            assertThat(after.users()).isZero();
            assertThat(after.topicSubscribers()).isEmpty();
            assertThat(after.connectionStates()).allSatisfy((state, n) -> assertThat(n).isZero());
            assertThat(after.cleanupRemovedClosed() + after.cleanupRemovedFailed() + after.cleanupRemovedStale()).isZero();
            assertThat(after.totalConnections()).isEqualTo(total);
            assertThat(opened.get()).isEqualTo(total);
            assertThat(closed.get()).isEqualTo(opened.get());
            for (int t = 0; t < TOPICS; t++) {
                Presence gone = f.hub().presence("t" + t).block(Duration.ofSeconds(5));
                assertThat(gone.connections()).isZero();
                assertThat(gone.users()).isEmpty();
            }
            assertThat(f.hub().admin().connections(null, null)).isEmpty();
            assertThat(f.hub().admin().connections("u0", null)).isEmpty();
            JsonNode stats = AdminHttp.get(f.adminUrl() + "/stats", ADMIN_TOKEN).json();
            assertThat(stats.get("active_connections").asInt()).isZero();
            assertThat(stats.get("users").asInt()).isZero();
            assertThat(stats.get("topic_subscribers").isEmpty()).isTrue();
            assertThat(AdminHttp.get(f.adminUrl() + "/connections", ADMIN_TOKEN).json().get("count").asInt()).isZero();

            assertThat(LeakRecorder.collectLeaks()).isEmpty();
            long afterHeap = LiveHeap.bytes();
            System.out.printf("AbruptDisconnectIT heap_mib baseline=%s connected(%d clients, both ends in this JVM)=%s after_reset=%s bound=baseline+%s%n",
                    LiveHeap.mib(baseline), CLIENTS, LiveHeap.mib(connected), LiveHeap.mib(afterHeap), LiveHeap.mib(HEAP_SLACK));
            assertThat(afterHeap).as("live heap after the resets (baseline %s MiB, with %d connections %s MiB)",
                    LiveHeap.mib(baseline), CLIENTS, LiveHeap.mib(connected)).isLessThanOrEqualTo(baseline + HEAP_SLACK);
        }
    }

    private static void connectSubscribeAndReset(HubFixture f, int n) {
        connectAndSubscribe(f, n).forEach(RawSocketClient::abort);
    }

    /** Connection i belongs to user u(i / CONNECTIONS_PER_USER) and subscribes to two of the topics. */
    private static List<RawSocketClient> connectAndSubscribe(HubFixture f, int n) {
        List<RawSocketClient> clients = RawSocketClient.connectMany(n, i -> f.wsUrl() + "?token=u" + (i / CONNECTIONS_PER_USER));
        for (int i = 0; i < n; i++) {
            clients.get(i).sendText(WsMessage.subscribe("t" + (i % TOPICS)));
            clients.get(i).sendText(WsMessage.subscribe("t" + ((i + 1) % TOPICS)));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> f.hub().admin().stats().topicSubscribers().values().stream()
                .mapToInt(Integer::intValue).sum() == 2 * n);
        return clients;
    }

    private static void awaitEmpty(WsHub hub) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
            HubStats s = hub.admin().stats();
            return s.activeConnections() == 0 && s.users() == 0 && s.topicSubscribers().isEmpty()
                    && s.connectionStates().getOrDefault(ConnectionState.CLOSING, 0) == 0;
        });
    }
}
