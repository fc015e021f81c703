package io.reactivewspool.internal.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import io.reactivewspool.history.HistoryOptions;
import io.reactivewspool.history.TopicHistory;
import io.reactivewspool.message.WsMessage;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import static org.assertj.core.api.Assertions.assertThat;

class HistorySequencerTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** A history whose appends complete only when the test says so. */
    private static final class ManualHistory implements TopicHistory {
        final List<Sinks.One<WsMessage>> pending = new CopyOnWriteArrayList<>();
        final List<WsMessage> appended = new CopyOnWriteArrayList<>();

        @Override
        public Mono<WsMessage> append(String topic, WsMessage message) {
            Sinks.One<WsMessage> s = Sinks.one();
            pending.add(s);
            appended.add(message);
            return s.asMono();
        }

        void complete(int i) {
            pending.get(i).tryEmitValue(appended.get(i).withOffset("e:" + (i + 1)));
        }

        void fail(int i) {
            pending.get(i).tryEmitError(new IllegalStateException("redis down"));
        }

        @Override
        public Mono<Replay> since(String topic, String offset) {
            return Mono.empty();
        }

        @Override
        public Mono<Void> close() {
            return Mono.empty();
        }
    }

    private final List<WsMessage> delivered = new CopyOnWriteArrayList<>();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicInteger bypassed = new AtomicInteger();

    private HistorySequencer sequencer(TopicHistory history) {
        return new HistorySequencer(history, (topic, m, ex, outcome) -> {
            delivered.add(m);
            return 1;
        }, (topic, e) -> failed.incrementAndGet(), topic -> bypassed.incrementAndGet());
    }

    @Test
    void appendsCompletingOutOfOrderAreDeliveredInSubmissionOrder() {
        ManualHistory h = new ManualHistory();
        HistorySequencer s = sequencer(h);
        for (int i = 0; i < 3; i++) {
            assertThat(s.submit("t", WsMessage.data("t", i), Set.of())).isEqualTo(-1);
        }
        h.complete(2);
        h.complete(1);
        assertThat(delivered).isEmpty();
        h.complete(0);
        assertThat(delivered).extracting(WsMessage::offset).containsExactly("e:1", "e:2", "e:3");
        assertThat(s.pendingTopics()).isZero();
    }

    /**
     * Like Redis behind Lettuce and Netty: an append subscribed on the I/O thread is written at
     * once, one subscribed on any other thread is queued behind what that thread still has to
     * run, and appends complete on the I/O thread. The order of the writes is the order of the
     * offsets Redis assigns.
     */
    private static final class IoThreadHistory implements TopicHistory {
        final ExecutorService io = Executors.newSingleThreadExecutor();
        final List<Integer> written = new CopyOnWriteArrayList<>();
        volatile Thread ioThread;

        IoThreadHistory() throws Exception {
            io.submit(() -> ioThread = Thread.currentThread()).get();
        }

        @Override
        public Mono<WsMessage> append(String topic, WsMessage message) {
            return Mono.create(sink -> {
                Runnable write = () -> {
                    written.add(message.data().asInt());
                    int offset = written.size();
                    io.execute(() -> {
                        spin(20_000); // decoding the reply
                        sink.success(message.withOffset("e:" + offset));
                    });
                };
                if (Thread.currentThread() == ioThread) {
                    write.run();
                } else {
                    io.execute(write);
                }
            });
        }

        @Override
        public Mono<Replay> since(String topic, String offset) {
            return Mono.empty();
        }

        @Override
        public Mono<Void> close() {
            io.shutdownNow();
            return Mono.empty();
        }
    }

    private static void spin(long nanos) {
        long until = System.nanoTime() + nanos;
        while (System.nanoTime() < until) {
            Thread.onSpinWait();
        }
    }

    @Test
    void appendsAreWrittenInSubmissionOrderWhenTheyCompleteOnTheIoThreadThatWritesThem() throws Exception {
        IoThreadHistory h = new IoThreadHistory();
        // Delivery takes a while (encode, fan out, publish): the I/O thread is still delivering
        // when the next messages are submitted.
        HistorySequencer s = new HistorySequencer(h, (topic, m, ex, outcome) -> {
            spin(20_000);
            delivered.add(m);
            return 1;
        }, (topic, e) -> failed.incrementAndGet(), topic -> bypassed.incrementAndGet());
        int n = 5_000; // below MAX_PENDING: none may bypass the history
        try {
            for (int i = 0; i < n; i++) {
                s.submit("t", WsMessage.data("t", i), Set.of());
                spin(10_000); // a broadcaster's pace, so that submissions meet completions
            }
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> delivered.size() == n);
            assertThat(h.written).as("the order appends reached the store (its offset order)")
                    .isEqualTo(IntStream.range(0, n).boxed().toList());
            assertThat(delivered).extracting(m -> m.data().asInt()).isEqualTo(h.written);
        } finally {
            h.close().block(TIMEOUT);
        }
    }

    @Test
    void failedAppendIsDeliveredNowhereAndCounted() {
        ManualHistory h = new ManualHistory();
        HistorySequencer s = sequencer(h);
        s.submit("t", WsMessage.data("t", 0), Set.of());
        s.submit("t", WsMessage.data("t", 1), Set.of());
        h.complete(1);
        h.fail(0);
        assertThat(delivered).extracting(WsMessage::offset).containsExactly("e:2");
        assertThat(failed).hasValue(1);
    }

    @Test
    void synchronousHistoryDeliversBeforeSubmitReturns() {
        HistorySequencer s = sequencer(TopicHistory.inMemory(HistoryOptions.builder().build()));
        assertThat(s.submit("t", WsMessage.data("t", 0), Set.of())).isEqualTo(1);
        assertThat(delivered).singleElement().satisfies(m -> assertThat(m.offset()).endsWith(":1"));
    }

    @Test
    void topicsDoNotWaitForEachOther() {
        ManualHistory h = new ManualHistory();
        HistorySequencer s = sequencer(h);
        s.submit("a", WsMessage.data("a", 0), Set.of());
        s.submit("b", WsMessage.data("b", 0), Set.of());
        h.complete(1);
        assertThat(delivered).extracting(WsMessage::topic).containsExactly("b");
    }

    @Test
    void backedUpTopicRefusesNewMessagesAndCountsThem() {
        ManualHistory h = new ManualHistory();
        HistorySequencer s = sequencer(h);
        for (int i = 0; i < HistorySequencer.MAX_PENDING; i++) {
            s.submit("t", WsMessage.data("t", i), Set.of());
        }
        assertThat(s.submit("t", WsMessage.data("t", -1), Set.of())).isZero();
        assertThat(bypassed).hasValue(1);
        assertThat(delivered).isEmpty();
        for (int i = HistorySequencer.MAX_PENDING - 1; i >= 0; i--) {
            h.complete(i);
        }
        List<Integer> order = new ArrayList<>();
        delivered.forEach(m -> order.add(m.data().asInt()));
        assertThat(order).hasSize(HistorySequencer.MAX_PENDING).isSorted();
    }
}
