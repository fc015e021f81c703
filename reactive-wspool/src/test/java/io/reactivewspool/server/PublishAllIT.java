package io.reactivewspool.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.reactivewspool.history.HistoryOptions;
import io.reactivewspool.history.TopicHistory;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.test.HubFixture;
import io.reactivewspool.test.PacedBroker;
import io.reactivewspool.test.ReactorNettyTestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@link WsHub#publishAll}: a stream of messages goes out at the broker's pace, with at most the
 * bound waiting for their acknowledgement and the source asked for no more than it can take; the
 * outcomes come back in the stream's order; cancelling or a failure stops publishing.
 */
class PublishAllIT {

    private static final Duration T = Duration.ofSeconds(60);
    private static final String TOPIC = "ticks";

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable r : resources) {
            r.close();
        }
    }

    private WsHub hub(PacedBroker broker, int queue) {
        HubFixture f = HubFixture.start(WsHubOptions.builder()
                .broker(broker)
                .history(TopicHistory.inMemory(HistoryOptions.builder().size(100).build()))
                .outboundQueueSize(queue)
                .closeDrainPeriod(Duration.ZERO)
                .build());
        resources.add(f);
        return f.hub();
    }

    private ReactorNettyTestClient subscriber(WsHub hub) {
        HubFixture f = (HubFixture) resources.get(resources.size() - 1);
        ReactorNettyTestClient c = f.client();
        resources.add(0, c);
        c.welcome();
        c.send(WsMessage.subscribe(TOPIC));
        c.next("subscribed");
        return c;
    }

    @Test
    void tenThousandMessagesGoAtASlowBrokersPaceWithinTheBoundAndInOrder() {
        int n = 10_000;
        int bound = 64;
        PacedBroker broker = PacedBroker.delayed(Duration.ofMillis(1));
        WsHub hub = hub(broker, n + 16);
        List<WsMessage> received = new CopyOnWriteArrayList<>();
        Disposable subscription = hub.topic(TOPIC).subscribe(received::add);
        resources.add(subscription::dispose);
        AtomicInteger emitted = new AtomicInteger();
        AtomicInteger outcomes = new AtomicInteger();
        AtomicInteger maxAhead = new AtomicInteger();
        List<PublishResult> results = new ArrayList<>();

        Flux<Integer> source = Flux.range(0, n).doOnNext(i -> maxAhead.accumulateAndGet(
                emitted.incrementAndGet() - outcomes.get(), Math::max));
        StepVerifier.create(hub.publishAll(TOPIC, "tick", source, bound).doOnNext(r -> {
                    results.add(r);
                    outcomes.incrementAndGet();
                }))
                .expectNextCount(n)
                .expectComplete()
                .verify(T);

        assertThat(broker.maxOutstanding()).as("publishes waiting for the broker at once")
                .isLessThanOrEqualTo(bound).isGreaterThan(1);
        // The hand-off to the publishing thread holds at most one more bound of elements.
        assertThat(maxAhead.get()).as("elements taken from the source ahead of their outcome").isLessThanOrEqualTo(2 * bound);
        long first = results.get(0).sequence();
        for (int i = 0; i < n; i++) {
            assertThat(results.get(i).sequence()).as("sequence of outcome %d", i).isEqualTo(first + i);
            assertThat(results.get(i).localRecipients()).as("connections reached (in-process subscribers are not)").isZero();
        }
        await().atMost(T).until(() -> received.size() == n);
        for (int i = 0; i < n; i++) {
            assertThat(received.get(i).data().asInt()).isEqualTo(i);
            assertThat(received.get(i).offset()).isEqualTo(results.get(i).offset());
        }
    }

    @Test
    void heldAcknowledgementsStopTheSourceAtTheBound() {
        int bound = 16;
        PacedBroker broker = PacedBroker.held();
        WsHub hub = hub(broker, 2_048);
        AtomicInteger emitted = new AtomicInteger();
        List<PublishResult> results = new CopyOnWriteArrayList<>();
        Disposable run = hub.publishAll(TOPIC, "tick", Flux.range(0, 1_000).doOnNext(i -> emitted.incrementAndGet()), bound)
                .subscribe(results::add);
        resources.add(run::dispose);

        await().atMost(T).until(() -> broker.outstanding() == bound);
        await().during(Duration.ofMillis(300)).atMost(T).until(() -> broker.published() == bound);
        assertThat(results).isEmpty();
        assertThat(emitted.get()).as("taken from the source while %d wait", bound).isLessThanOrEqualTo(2 * bound);

        broker.open();
        await().atMost(T).until(() -> results.size() == 1_000);
        assertThat(broker.maxOutstanding()).isEqualTo(bound);
        assertThat(results).extracting(PublishResult::sequence).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void cancellingStopsPublishing() {
        int bound = 8;
        PacedBroker broker = PacedBroker.held();
        WsHub hub = hub(broker, 2_048);
        AtomicInteger emitted = new AtomicInteger();

        StepVerifier.create(hub.publishAll(TOPIC, "tick", Flux.range(0, 1_000).doOnNext(i -> emitted.incrementAndGet()), bound))
                .expectSubscription()
                .then(() -> await().atMost(T).until(() -> broker.outstanding() == bound))
                .thenCancel()
                .verify(T);
        broker.release();

        await().during(Duration.ofMillis(300)).atMost(T).until(() -> broker.published() == bound);
        assertThat(emitted.get()).isLessThanOrEqualTo(2 * bound);
    }

    @Test
    void aRefusedPublishEndsTheStreamWithTheTypedErrorAndStopsTheSource() {
        PacedBroker broker = PacedBroker.delayed(Duration.ZERO).refuse(5);
        WsHub hub = hub(broker, 2_048);

        StepVerifier.create(hub.publishAll(TOPIC, "tick", Flux.range(0, 1_000), 1))
                .expectNextCount(4)
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(WsPublishException.class);
                    WsPublishException p = (WsPublishException) e;
                    assertThat(p.reason()).isEqualTo(WsPublishException.Reason.BROKER_UNAVAILABLE);
                    assertThat(p.target()).isEqualTo(TOPIC);
                    assertThat(p.getMessage()).contains("topic 'ticks'", "paced broker refused publish #5",
                            "other nodes did not");
                })
                .verify(T);
        await().during(Duration.ofMillis(300)).atMost(T).until(() -> broker.published() == 5);
    }

    @Test
    void aBoundBelowOneIsRefusedAtOnce() {
        WsHub hub = hub(PacedBroker.held(), 2_048);
        assertThatThrownBy(() -> hub.publishAll(TOPIC, "tick", Flux.just(1), 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxInFlight must be >= 1, was 0");
    }
}
