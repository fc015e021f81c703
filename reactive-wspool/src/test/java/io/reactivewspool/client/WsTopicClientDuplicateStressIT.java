package io.reactivewspool.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.LongStream;

import io.reactivewspool.message.WsMessage;
import io.reactivewspool.test.ScriptedWsServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.Disposables;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Several topic clients on their own connections, dropped again and again while a hub publishes,
 * against a hub that loses nothing but is sloppy about repeats: each resubscribe's replay starts up
 * to four offsets before the client's {@code since}, and now and then a live message is followed
 * by a stray copy of one the connection already got. At quiescence every client has handed its
 * application every offset exactly once and in order, with no gap (nothing was lost), and the
 * repeats it suppressed were counted.
 */
class WsTopicClientDuplicateStressIT {

    private static final String TOPIC = "stress.t";
    private static final int CLIENTS = 4;
    private static final int MESSAGES = 3_000;

    private final Random random = new Random(24);
    private final Object hubLock = new Object();
    /** Everything published, offset e:(i+1) at index i; guarded by hubLock. */
    private final List<WsMessage> published = new ArrayList<>();
    /** Per subscribed connection, the first offset it was sent; guarded by hubLock. */
    private final Map<ScriptedWsServer.Peer, Long> live = new ConcurrentHashMap<>();
    private final ScriptedWsServer hub = ScriptedWsServer.start(this::onClientMessage);
    private final List<WsTopicClient> clients = new ArrayList<>();
    private final List<List<String>> received = new ArrayList<>();
    private final List<String> gaps = new CopyOnWriteArrayList<>();
    private final Disposable.Composite subscriptions = Disposables.composite();

    @AfterEach
    void close() {
        subscriptions.dispose();
        clients.forEach(c -> c.disposeLater().block(Duration.ofSeconds(10)));
        hub.close();
    }

    private static WsMessage data(long seq) {
        return WsMessage.builder(WsMessage.DATA).topic(TOPIC).data(Map.of("m", "m-" + seq)).offset("e:" + seq).build();
    }

    /** A lossless hub whose replays overlap: from up to four offsets before {@code since}. */
    private void onClientMessage(ScriptedWsServer.Peer peer, WsMessage m) {
        if (!m.is(WsMessage.SUBSCRIBE)) {
            return;
        }
        synchronized (hubLock) {
            long from = published.size() + 1L;
            if (m.data() != null && m.data().has("since")) {
                String since = m.data().get("since").asString();
                from = Math.max(1, Long.parseLong(since.substring(since.indexOf(':') + 1)) + 1 - random.nextInt(5));
                for (long n = from; n <= published.size(); n++) {
                    peer.send(published.get((int) n - 1));
                }
            }
            WsMessage.Builder reply = WsMessage.builder(WsMessage.SUBSCRIBED).topic(TOPIC).id(m.id());
            if (m.data() != null && m.data().has("since")) {
                reply.data(Map.of("recovered", true, "offset", "e:" + published.size()));
            }
            peer.send(reply.build());
            live.put(peer, from);
        }
    }

    private void publish(long seq) {
        synchronized (hubLock) {
            WsMessage m = data(seq);
            published.add(m);
            for (Map.Entry<ScriptedWsServer.Peer, Long> e : live.entrySet()) {
                if (!e.getKey().isOpen()) {
                    continue;
                }
                e.getKey().send(m);
                long stray = seq - 1 - random.nextInt(3);
                if (random.nextInt(20) == 0 && stray >= e.getValue()) {
                    e.getKey().send(published.get((int) stray - 1)); // a copy this connection already got
                }
            }
        }
    }

    @Test
    void everyClientGetsEveryOffsetOnceInOrderThroughRepeatedReconnectsAndOverlappingReplays() throws Exception {
        for (int i = 0; i < CLIENTS; i++) {
            WsTopicClient c = WsTopicClient.create(WsTopicClientOptions.builder(hub.url())
                    .reconnectBackoffFirst(Duration.ofMillis(10))
                    .reconnectBackoffMax(Duration.ofMillis(50))
                    .build());
            List<String> r = new CopyOnWriteArrayList<>();
            clients.add(c);
            received.add(r);
            subscriptions.add(c.gaps().subscribe(gaps::add));
            subscriptions.add(c.subscribe(TOPIC).subscribe(m -> r.add(m.offset())));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> live.size() == CLIENTS);
        // Every client has an offset before the drops start: one dropped before its first message
        // would subscribe again without since, as a new subscriber, owed nothing before.
        publish(1);
        await().atMost(Duration.ofSeconds(30)).until(() -> received.stream().allMatch(r -> r.contains("e:1")));

        AtomicBoolean publishing = new AtomicBoolean(true);
        Thread dropper = new Thread(() -> {
            Random r = new Random(2406);
            while (publishing.get()) {
                List<ScriptedWsServer.Peer> open = hub.peers().stream().filter(ScriptedWsServer.Peer::isOpen).toList();
                if (!open.isEmpty()) {
                    open.get(r.nextInt(open.size())).drop();
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(15 + r.nextInt(25)));
            }
        }, "stress-dropper");
        dropper.start();
        for (long n = 2; n <= MESSAGES; n++) {
            publish(n);
            if (n % 10 == 0) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // a feed, not a burst: drops land mid-stream
            }
        }
        publishing.set(false);
        dropper.join(TimeUnit.SECONDS.toMillis(10));

        String last = "e:" + MESSAGES;
        await().atMost(Duration.ofSeconds(60)).until(() -> received.stream().allMatch(r -> r.contains(last)));
        List<String> expected = LongStream.rangeClosed(1, MESSAGES).mapToObj(n -> "e:" + n).toList();
        long suppressed = 0;
        for (int i = 0; i < CLIENTS; i++) {
            assertThat(received.get(i)).as("offsets client %d handed its application", i).containsExactlyElementsOf(expected);
            assertThat(clients.get(i).suppressedLateMessages()).isZero();
            suppressed += clients.get(i).suppressedDuplicates();
        }
        assertThat(gaps).as("gaps told (nothing was lost)").isEmpty();
        assertThat(hub.peers().size()).as("connections, so reconnects").isGreaterThan(CLIENTS + 10);
        assertThat(suppressed).as("repeats the clients suppressed").isPositive();
    }
}
