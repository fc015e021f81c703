package io.reactivewspool.internal.server;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.reactivewspool.history.HistoryOptions;
import io.reactivewspool.history.TopicHistory;
import io.reactivewspool.internal.history.HistoryOffset;
import io.reactivewspool.internal.history.RingTopicHistory;
import io.reactivewspool.message.WsMessage;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import static org.assertj.core.api.Assertions.assertThat;

/** Live delivery of a topic with a shared history: a jump in offsets is filled from the history or reported. */
class TopicContinuityTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final TopicHistory history = new RingTopicHistory(HistoryOptions.builder().size(4).build(), Clock.systemUTC());
    /** What reached the subscribers, in order: "n" for message n, "gap>offset" for a gap report. */
    private final ConcurrentLinkedQueue<String> out = new ConcurrentLinkedQueue<>();
    private final TopicContinuity continuity = over(history);

    private final List<WsMessage> stored = new ArrayList<>();

    private void store(int n) {
        for (int i = 0; i < n; i++) {
            stored.add(history.append("t", WsMessage.data("t", Integer.toString(stored.size() + 1))).block(TIMEOUT));
        }
    }

    /** A continuity over {@code h} whose deliveries, gaps and failed reads go to {@link #out}. */
    private TopicContinuity over(TopicHistory h) {
        return new TopicContinuity(h, new TopicContinuity.Delivery() {
            @Override
            public void replayed(String topic, WsMessage message) {
                out.add(message.data().asString());
            }

            @Override
            public void gap(String topic, HistoryOffset resumeAfter, String reason) {
                out.add("gap>" + resumeAfter.seq());
            }
        }, (topic, e) -> out.add("read failed"));
    }

    /** The topic gets its first subscriber here: watched, then started from what the history holds now. */
    private void follow() {
        continuity.watch("t");
        continuity.start("t", TIMEOUT).block(TIMEOUT);
    }

    /** Message n (1-based) arrives live. */
    private void live(int n) {
        WsMessage m = stored.get(n - 1);
        continuity.accept("t", m.offset(), () -> out.add(m.data().asString()));
    }

    @Test
    void messagesMissedLiveAreDeliveredFromTheHistoryBeforeTheOneThatShowedTheGap() {
        follow();
        store(4);
        live(1);
        live(4); // 2 and 3 never arrived here
        assertThat(out).containsExactly("1", "2", "3", "4");
    }

    @Test
    void anEarlierMessageArrivingLateIsDeliveredOnceAndInOrder() {
        follow();
        store(3);
        live(1);
        live(3); // 2 comes from the history...
        live(2); // ...and its live copy is not delivered again
        assertThat(out).containsExactly("1", "2", "3");
    }

    @Test
    void aGapTheHistoryNoLongerHoldsIsReportedBeforeTheNextMessage() {
        follow();
        store(1);
        live(1);
        store(6); // the ring keeps 4 of messages 2..7: 2, 3 are gone
        live(7);
        assertThat(out).containsExactly("1", "gap>6", "7");
    }

    @Test
    void aNewEpochIsReportedAsAGap() {
        follow();
        store(2);
        live(1);
        TopicHistory other = TopicHistory.inMemory(HistoryOptions.builder().build());
        WsMessage reset = other.append("t", WsMessage.data("t", "x")).block(TIMEOUT);
        continuity.accept("t", reset.offset(), () -> out.add("x"));
        assertThat(out).containsExactly("1", "gap>0", "x");
    }

    @Test
    void aMessageThatComesAfterALaterOneIsDeliveredFirst() {
        follow(); // nothing stored yet: message 1 is the first this subscriber may get
        store(3);
        live(2); // this node's own message, stored after 1 of another node that is still on its way
        live(1); // delivered already, from the history, before 2
        live(3);
        assertThat(out).containsExactly("1", "2", "3");
    }

    @Test
    void messagesStoredBeforeTheTopicCameHereAreNotDeliveredLive() {
        store(2);
        follow();
        live(1);
        live(2);
        store(1);
        live(3);
        assertThat(out).containsExactly("3");
    }

    @Test
    void messagesThatComeWhileTheStartIsReadWaitAndLeaveInOffsetOrder() {
        Sinks.One<String> latest = Sinks.one();
        TopicContinuity c = over(new SlowLatest(history, latest.asMono()));
        c.watch("t");
        Mono<Void> start = c.start("t", TIMEOUT).cache();
        start.subscribe();
        store(3);
        for (int n : new int[] {3, 2}) {
            WsMessage m = stored.get(n - 1);
            c.accept("t", m.offset(), () -> out.add(m.data().asString()));
        }
        assertThat(out).as("held until the start is known").isEmpty();
        latest.tryEmitValue(stored.get(0).offset()); // the history held message 1 when this node subscribed
        start.block(TIMEOUT);
        assertThat(out).containsExactly("2", "3");
    }

    @Test
    void aHistoryThatCannotTellWhereATopicStandsOrdersFromTheFirstMessageThatComes() {
        TopicContinuity c = over(new SlowLatest(history, null));
        c.watch("t");
        c.start("t", TIMEOUT).block(TIMEOUT);
        store(3);
        for (int n : new int[] {2, 1, 3}) {
            WsMessage m = stored.get(n - 1);
            c.accept("t", m.offset(), () -> out.add(m.data().asString()));
        }
        // Message 1 raced message 2 here: late, not a gap and not a duplicate; and no read failure is reported.
        assertThat(out).containsExactly("2", "1", "3");
    }

    /** The ring history, with {@link TopicHistory#latest} answered by {@code latest} ({@code null}: the SPI's default). */
    private static final class SlowLatest implements TopicHistory {
        private final TopicHistory ring;
        private final Mono<String> latest;

        SlowLatest(TopicHistory ring, Mono<String> latest) {
            this.ring = ring;
            this.latest = latest;
        }

        @Override
        public Mono<WsMessage> append(String topic, WsMessage message) {
            return ring.append(topic, message);
        }

        @Override
        public Mono<Replay> since(String topic, String offset) {
            return ring.since(topic, offset);
        }

        @Override
        public Mono<String> latest(String topic) {
            return latest == null ? TopicHistory.super.latest(topic) : latest;
        }

        @Override
        public Mono<Void> close() {
            return ring.close();
        }
    }

    @Test
    void topicsNotWatchedAndMessagesWithoutOffsetAreDeliveredAsTheyCome() {
        store(3);
        live(3);
        live(1);
        follow();
        continuity.accept("t", null, () -> out.add("plain"));
        assertThat(out).containsExactly("3", "1", "plain");
    }

    @Test
    void concurrentArrivalsInAnyOrderAreDeliveredOnceEachInOffsetOrder() throws Exception {
        TopicHistory big = new RingTopicHistory(HistoryOptions.builder().size(10_000).build(), Clock.systemUTC());
        TopicContinuity c = new TopicContinuity(big, new TopicContinuity.Delivery() {
            @Override
            public void replayed(String topic, WsMessage message) {
                out.add(message.data().asString());
            }

            @Override
            public void gap(String topic, HistoryOffset resumeAfter, String reason) {
                out.add("gap");
            }
        }, (topic, e) -> out.add("read failed"));
        c.watch("t");
        c.start("t", TIMEOUT).block(TIMEOUT);
        int n = 4_000;
        List<WsMessage> all = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            all.add(big.append("t", WsMessage.data("t", Integer.toString(i))).block(TIMEOUT));
        }
        c.accept("t", all.get(0).offset(), () -> out.add(all.get(0).data().asString()));
        // Two "nodes": odd messages from one thread, even from another; each in its own order.
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int parity = 0; parity < 2; parity++) {
            int p = parity;
            Thread t = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 1 + p; i < n; i += 2) {
                    WsMessage m = all.get(i);
                    c.accept("t", m.offset(), () -> out.add(m.data().asString()));
                }
            });
            t.start();
            threads.add(t);
        }
        go.countDown();
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(30));
        }
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            expected.add(Integer.toString(i));
        }
        assertThat(out).containsExactlyElementsOf(expected);
    }
}
