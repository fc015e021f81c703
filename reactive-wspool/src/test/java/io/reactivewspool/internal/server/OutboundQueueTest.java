package io.reactivewspool.internal.server;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

import io.reactivewspool.server.OutboundFrame;
import io.reactivewspool.server.OverflowPolicy;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;
import reactor.test.StepVerifier;
import reactor.test.util.RaceTestUtils;

import static org.assertj.core.api.Assertions.assertThat;

class OutboundQueueTest {

    private static OutboundFrame frame(int size) {
        return OutboundFrame.text(new byte[size]);
    }

    @Test
    void concurrentProducersLoseNothingUnlessTheQueueIsFullAndTheCountsBalance() {
        LongAdder sent = new LongAdder();
        OutboundQueue q = new OutboundQueue(64, OverflowPolicy.DROP_OLDEST, sent);
        AtomicLong received = new AtomicLong();
        Flux.from(q).subscribe(f -> received.incrementAndGet());
        AtomicInteger dropped = new AtomicInteger();
        Runnable producer = () -> {
            for (int i = 0; i < 5_000; i++) {
                if (q.offer(frame(10)) == OutboundQueue.Offer.DROPPED_OLDEST) {
                    dropped.incrementAndGet();
                }
            }
        };
        for (int round = 0; round < 5; round++) {
            RaceTestUtils.race(producer, producer, producer, producer);
        }
        // an unbounded consumer keeps up: whatever was not dropped was delivered
        assertThat(received.get() + dropped.get()).isEqualTo(5 * 4 * 5_000L);
        assertThat(sent.sum()).isEqualTo(received.get());
        assertThat(q.sent()).isEqualTo(received.get());
        assertThat(q.size()).isZero();
        assertThat(q.bytes()).isZero();
    }

    @Test
    void withoutDemandTheQueueHoldsAtMostItsCapacity() {
        OutboundQueue q = new OutboundQueue(8, OverflowPolicy.DROP_OLDEST, new LongAdder());
        StepVerifier.create(q, 0)
                .then(() -> {
                    for (int i = 0; i < 100; i++) {
                        q.offer(frame(100));
                    }
                    assertThat(q.size()).isEqualTo(8);
                    assertThat(q.bytes()).isEqualTo(800);
                })
                .thenRequest(3)
                .expectNextCount(3)
                .then(() -> assertThat(q.size()).isEqualTo(5))
                .then(() -> assertThat(q.sent()).isEqualTo(3))
                .then(() -> q.offer(frame(100)))
                .then(() -> assertThat(q.sent()).as("no demand left: the new frame waits").isEqualTo(3))
                .thenCancel()
                .verify(Duration.ofSeconds(5));
        assertThat(q.offer(frame(1))).isEqualTo(OutboundQueue.Offer.CLOSED);
    }

    @Test
    void policiesAnswerOverflowDifferently() {
        OutboundQueue newest = new OutboundQueue(1, OverflowPolicy.DROP_NEWEST, new LongAdder());
        assertThat(newest.offer(frame(1))).isEqualTo(OutboundQueue.Offer.QUEUED);
        assertThat(newest.offer(frame(1))).isEqualTo(OutboundQueue.Offer.DROPPED_NEWEST);
        OutboundQueue disconnect = new OutboundQueue(1, OverflowPolicy.DISCONNECT, new LongAdder());
        disconnect.offer(frame(1));
        assertThat(disconnect.offer(frame(1))).isEqualTo(OutboundQueue.Offer.OVERFLOW);
        assertThat(disconnect.size()).isEqualTo(1);
    }

    @Test
    void completeDeliversWhatIsQueuedThenCompletes() {
        OutboundQueue q = new OutboundQueue(10, OverflowPolicy.DROP_OLDEST, new LongAdder());
        q.offer(frame(1));
        q.offer(frame(2));
        q.complete();
        StepVerifier.create(q).expectNextCount(2).expectComplete().verify(Duration.ofSeconds(5));
        assertThat(q.offer(frame(3))).isEqualTo(OutboundQueue.Offer.CLOSED);
    }

    @Test
    void framesHandedOverDirectlyAndFramesQueuedKeepTheirOrderUnderBatchedDemand() throws Exception {
        OutboundQueue q = new OutboundQueue(100_000, OverflowPolicy.DROP_OLDEST, new LongAdder());
        int total = 50_000;
        List<Integer> seen = Collections.synchronizedList(new ArrayList<>());
        AtomicReference<Subscription> sub = new AtomicReference<>();
        AtomicLong requested = new AtomicLong();
        AtomicLong beyondDemand = new AtomicLong();
        q.subscribe(new CoreSubscriber<OutboundFrame>() {
            int sinceRequest;

            @Override
            public void onSubscribe(Subscription s) {
                Subscription counting = new Subscription() {
                    @Override
                    public void request(long n) {
                        requested.accumulateAndGet(n, Operators::addCap);
                        s.request(n);
                    }

                    @Override
                    public void cancel() {
                        s.cancel();
                    }
                };
                sub.set(counting);
                counting.request(16);
            }

            @Override
            public void onNext(OutboundFrame f) {
                if (seen.size() + 1 > requested.get()) {
                    beyondDemand.incrementAndGet();
                }
                seen.add(ByteBuffer.wrap(f.payload()).getInt());
                // Like the Netty writer: more demand in small steps, sometimes from inside onNext.
                if (++sinceRequest == 8) {
                    sinceRequest = 0;
                    sub.get().request(8);
                }
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onComplete() {
            }
        });
        Thread producer = new Thread(() -> {
            for (int i = 0; i < total; i++) {
                q.offer(OutboundFrame.text(ByteBuffer.allocate(4).putInt(i).array()));
            }
        });
        producer.start();
        // A second thread adds demand concurrently, so the fast path and the drain loop interleave.
        for (int i = 0; i < 2_000; i++) {
            sub.get().request(4);
        }
        producer.join();
        sub.get().request(Long.MAX_VALUE);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == total);
        for (int i = 0; i < total; i++) {
            assertThat(seen.get(i)).isEqualTo(i);
        }
        assertThat(beyondDemand.get()).as("frames delivered beyond the demand signalled").isZero();
        assertThat(q.size()).isZero();
        assertThat(q.sent()).isEqualTo(total);
    }

    @Test
    void aSecondSubscriberIsRejected() {
        OutboundQueue q = new OutboundQueue(10, OverflowPolicy.DROP_OLDEST, new LongAdder());
        Flux.from(q).subscribe();
        StepVerifier.create(q).expectError(IllegalStateException.class).verify(Duration.ofSeconds(5));
    }
}
