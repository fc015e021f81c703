package io.reactivewspool.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import io.reactivewspool.broker.BrokerMessage;
import io.reactivewspool.history.TopicHistory;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.test.FakeTransport;
import io.reactivewspool.test.OpenHubs;
import io.reactivewspool.test.RecordingBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Several "other hubs" publish to topics through a shared history while this hub's only
 * subscriber of each topic keeps leaving and coming back with {@code since} (so the hub keeps
 * following the topic again, and recovering subscriptions meet messages that arrive out of order: each
 * publisher stores a few messages, then hands them to the broker newest first). At quiescence,
 * per subscriber and per subscription: offsets strictly increasing, each one the next after the
 * last delivered or after a gap told before it; and the last subscription ends at the last offset
 * published, so every offset was delivered or inside a gap told before anything later.
 */
class HubRecoveryOrderStressTest {

    private static final String TOPIC = "stress.t";
    private static final int PUBLISHERS = 3;
    private static final int PER_PUBLISHER = 1200;
    private static final int SUBSCRIBERS = 3;
    /** Short: the more often the subscribers come back, the more often a topic is followed again. */
    private static final Duration POLL = Duration.ofMillis(2);

    @RegisterExtension
    final OpenHubs hubs = new OpenHubs();

    private static WsMessage data(String topic, long seq) {
        return WsMessage.builder(WsMessage.DATA).topic(topic).data(Map.of("m", seq)).offset("e:" + seq).build();
    }

    /** The history the hubs share: per topic, stored messages by sequence, one counter. */
    private static final class SharedHistory implements TopicHistory {
        final Map<String, ConcurrentSkipListMap<Long, WsMessage>> topics = new ConcurrentHashMap<>();

        private ConcurrentSkipListMap<Long, WsMessage> of(String topic) {
            return topics.computeIfAbsent(topic, t -> new ConcurrentSkipListMap<>());
        }

        long store(String topic) {
            ConcurrentSkipListMap<Long, WsMessage> stored = of(topic);
            synchronized (stored) {
                long seq = stored.isEmpty() ? 1 : stored.lastKey() + 1;
                stored.put(seq, data(topic, seq));
                return seq;
            }
        }

        @Override
        public Mono<WsMessage> append(String topic, WsMessage message) {
            return Mono.error(new IllegalStateException("this hub publishes nothing in this test"));
        }

        @Override
        public Mono<Replay> since(String topic, String offset) {
            return Mono.fromCallable(() -> {
                long after = Long.parseLong(offset.substring(offset.indexOf(':') + 1));
                ConcurrentSkipListMap<Long, WsMessage> stored = of(topic);
                List<WsMessage> replay = new ArrayList<>(stored.tailMap(after, false).values());
                String latest = stored.isEmpty() ? null : "e:" + stored.lastKey();
                return new Replay(replay, true, replay.isEmpty() ? latest : replay.get(replay.size() - 1).offset());
            });
        }

        @Override
        public Mono<Void> close() {
            return Mono.empty();
        }
    }

    private static long seqOf(String offset) {
        return Long.parseLong(offset.substring(offset.indexOf(':') + 1));
    }

    /**
     * The messages of the subscriber's subscriptions, without those that came after an
     * {@code unsubscribed} and before it subscribed again: a broadcast already on its way when the
     * unsubscribe took effect may still be queued after the reply (docs/PROTOCOL.md, "unsubscribe"),
     * and a client drops data of a topic it does not follow. {@code marks}: how many messages had
     * arrived when each subscribe was sent.
     */
    private static List<WsMessage> followed(FakeTransport t, List<Integer> marks) {
        List<WsMessage> all = t.messages();
        List<WsMessage> kept = new ArrayList<>();
        int session = 0;
        boolean between = false;
        for (int i = 0; i < all.size(); i++) {
            WsMessage m = all.get(i);
            if (between && session < marks.size() && i >= marks.get(session)) {
                between = false;
            }
            if (between && (m.is(WsMessage.DATA) || m.is(WsMessage.GAP))) {
                continue;
            }
            kept.add(m);
            if (m.is(WsMessage.UNSUBSCRIBED)) {
                session++;
                between = true;
            }
        }
        return kept;
    }

    /** Where a subscriber stands: the last offset delivered to it or covered by a gap. */
    private static long position(List<WsMessage> messages, long from) {
        long at = from;
        for (WsMessage m : messages) {
            if (m.is(WsMessage.DATA)) {
                at = Math.max(at, seqOf(m.offset()));
            } else if (m.is(WsMessage.GAP)) {
                at = Math.max(at, seqOf(m.data().get("offset").asString()));
            }
        }
        return at;
    }

    @Test
    void subscribersThatComeBackWithSinceGetEveryOffsetInOrderOrAGapFirst() throws Exception {
        RecordingBroker broker = new RecordingBroker();
        SharedHistory history = new SharedHistory();
        WsHub hub = hubs.create(WsHubOptions.builder().broker(broker).history(history)
                .outboundQueueSize(20_000).closeDrainPeriod(Duration.ZERO).build());
        List<FakeTransport> subs = new ArrayList<>();
        List<List<Long>> sinces = new ArrayList<>();
        List<List<Integer>> marks = new ArrayList<>();
        for (int i = 0; i < SUBSCRIBERS; i++) {
            FakeTransport t = new FakeTransport();
            hub.serve(t, Admission.accepted(null)).subscribe();
            subs.add(t);
            sinces.add(new CopyOnWriteArrayList<>());
            marks.add(new CopyOnWriteArrayList<>());
        }
        ExecutorService pool = Executors.newFixedThreadPool(PUBLISHERS + SUBSCRIBERS);
        AtomicBoolean publishing = new AtomicBoolean(true);
        List<Future<?>> publishers = new ArrayList<>();
        for (int p = 0; p < PUBLISHERS; p++) {
            publishers.add(pool.submit(() -> {
                ThreadLocalRandom r = ThreadLocalRandom.current();
                for (int sent = 0; sent < PER_PUBLISHER; ) {
                    int batch = Math.min(1 + r.nextInt(3), PER_PUBLISHER - sent);
                    String topic = TOPIC + r.nextInt(SUBSCRIBERS);
                    long[] seqs = new long[batch];
                    for (int i = 0; i < batch; i++) {
                        seqs[i] = history.store(topic);
                    }
                    for (int i = batch - 1; i >= 0; i--) { // newest first: the older ones come late
                        BrokerMessage m = new BrokerMessage(BrokerMessage.Kind.TOPIC, topic,
                                WsCodec.json().encode(data(topic, seqs[i])), "node-" + Thread.currentThread().getName(), Set.of());
                        synchronized (broker) {
                            broker.receive(m);
                        }
                    }
                    sent += batch;
                    // Pauses, so that a topic followed again often sees a whole batch first.
                    LockSupport.parkNanos(r.nextLong(200_000, 1_000_000));
                }
            }));
        }
        List<Future<?>> subscribers = new ArrayList<>();
        for (int i = 0; i < SUBSCRIBERS; i++) {
            FakeTransport t = subs.get(i);
            List<Long> since = sinces.get(i);
            List<Integer> mark = marks.get(i);
            String topic = TOPIC + i; // its only subscriber here: every subscribe follows the topic again
            subscribers.add(pool.submit(() -> {
                int rounds = 0;
                while (true) {
                    mark.add(t.messages().size());
                    long from = position(followed(t, mark), since.isEmpty() ? 0 : since.get(since.size() - 1));
                    since.add(from);
                    t.clientSends(WsMessage.subscribe(topic, "e:" + from).withId("s" + rounds));
                    int expected = rounds + 1;
                    await().atMost(Duration.ofSeconds(60)).pollInterval(POLL).until(() -> t.messages(WsMessage.SUBSCRIBED).size() == expected);
                    if (!publishing.get()) {
                        return; // the last subscription stays
                    }
                    t.clientSends(WsMessage.unsubscribe(topic).withId("u" + rounds));
                    await().atMost(Duration.ofSeconds(60)).pollInterval(POLL).until(() -> t.messages(WsMessage.UNSUBSCRIBED).size() == expected);
                    rounds++;
                }
            }));
        }
        for (Future<?> f : publishers) {
            f.get(60, TimeUnit.SECONDS);
        }
        publishing.set(false);
        for (Future<?> f : subscribers) {
            f.get(120, TimeUnit.SECONDS);
        }
        pool.shutdown();
        for (int i = 0; i < SUBSCRIBERS; i++) {
            FakeTransport t = subs.get(i);
            long last = history.of(TOPIC + i).lastKey();
            List<Integer> mark = marks.get(i);
            await().atMost(Duration.ofSeconds(60)).until(() -> position(followed(t, mark), 0) == last);
        }

        for (int i = 0; i < SUBSCRIBERS; i++) {
            List<Long> since = sinces.get(i);
            int session = 0;
            long at = since.get(0);
            List<String> violations = new ArrayList<>();
            for (WsMessage m : followed(subs.get(i), marks.get(i))) {
                if (m.is(WsMessage.UNSUBSCRIBED)) {
                    at = since.get(++session);
                } else if (m.is(WsMessage.GAP)) {
                    long g = seqOf(m.data().get("offset").asString());
                    if (g < at) {
                        violations.add("subscription " + session + ": gap after e:" + g + " after e:" + at);
                    }
                    at = Math.max(at, g);
                } else if (m.is(WsMessage.DATA)) {
                    long o = seqOf(m.offset());
                    if (o != at + 1) {
                        violations.add("subscription " + session + ": e:" + o + " after e:" + at);
                    }
                    at = Math.max(at, o);
                }
            }
            assertThat(violations).as("subscriber %d (%d subscriptions): offsets not next after the last delivered or told", i, since.size())
                    .isEmpty();
            assertThat(at).as("subscriber %d's last position", i).isEqualTo(history.of(TOPIC + i).lastKey());
        }
    }
}
