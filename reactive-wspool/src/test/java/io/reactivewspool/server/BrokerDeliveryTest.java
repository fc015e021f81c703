package io.reactivewspool.server;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.reactivewspool.broker.Broker;
import io.reactivewspool.broker.BrokerMessage;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.test.FakeTransport;
import io.reactivewspool.test.RecordingBroker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Where and in what order the hub delivers what its broker brings from other nodes. */
class BrokerDeliveryTest {

    private final ExecutorService loop = Executors.newSingleThreadExecutor(r -> new Thread(r, "fake-loop"));
    private WsHub hub;

    @AfterEach
    void close() throws InterruptedException {
        if (hub != null) {
            hub.close().block(Duration.ofSeconds(10));
        }
        loop.shutdownNow();
        assertThat(loop.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    private WsHub hub(Broker broker) {
        hub = WsHub.create(WsHubOptions.builder().broker(broker).outboundQueueSize(4096)
                .closeDrainPeriod(Duration.ZERO).build());
        return hub;
    }

    private FakeTransport subscribed(String topic, FakeTransport t) {
        hub.serve(t, Admission.accepted(null)).subscribe();
        String id = t.messages(WsMessage.WELCOME).get(0).data().get("connection_id").asString();
        assertThat(hub.subscribe(id, topic)).isTrue();
        return t;
    }

    private static BrokerMessage remote(String topic, int seq) {
        return new BrokerMessage(BrokerMessage.Kind.TOPIC, topic, WsCodec.json().encode(WsMessage.of("remote", topic, seq)),
                "node-other", Set.of());
    }

    private static List<Integer> seqs(FakeTransport t) {
        return t.messages("remote").stream().map(m -> m.data().asInt()).toList();
    }

    private static String lastThread(FakeTransport t) {
        List<String> threads = t.sendThreads();
        return threads.get(threads.size() - 1);
    }

    @Test
    void messagesFromOtherNodesAreWrittenOnTheIoThreadOfTheFirstTransportThatNamesOne() {
        RecordingBroker broker = new RecordingBroker();
        hub(broker);
        FakeTransport withoutExecutor = subscribed("t", new FakeTransport());
        FakeTransport withExecutor = subscribed("t", new FakeTransport().executor(loop));

        broker.receive(remote("t", 1));

        await().atMost(Duration.ofSeconds(5)).until(() -> seqs(withoutExecutor).size() == 1 && seqs(withExecutor).size() == 1);
        assertThat(lastThread(withExecutor)).isEqualTo("fake-loop");
        assertThat(lastThread(withoutExecutor)).isEqualTo("fake-loop");
    }

    @Test
    void messagesFromOtherNodesKeepTheBrokersOrderAcrossTheHandOff() {
        RecordingBroker broker = new RecordingBroker();
        hub(broker);
        FakeTransport t = subscribed("t", new FakeTransport().executor(loop));
        int n = 3_000;
        for (int i = 0; i < n; i++) {
            broker.receive(remote("t", i));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> seqs(t).size() == n);
        assertThat(seqs(t)).isSorted().doesNotHaveDuplicates().hasSize(n);
        assertThat(hub.admin().stats().messagesFailed()).isZero();
    }

    @Test
    void anExecutorThatRejectsIsForgottenAndTheNextTransportsExecutorIsLearnt() {
        RecordingBroker broker = new RecordingBroker();
        hub(broker);
        FakeTransport shutDown = subscribed("t", new FakeTransport().executor(task -> {
            throw new RejectedExecutionException("event loop shut down");
        }));

        broker.receive(remote("t", 1));
        assertThat(seqs(shutDown)).containsExactly(1);
        assertThat(lastThread(shutDown)).isEqualTo(Thread.currentThread().getName());

        FakeTransport live = subscribed("t", new FakeTransport().executor(loop));
        broker.receive(remote("t", 2));
        await().atMost(Duration.ofSeconds(5)).until(() -> seqs(live).size() == 1);
        assertThat(seqs(shutDown)).containsExactly(1, 2);
        assertThat(lastThread(shutDown)).isEqualTo("fake-loop");
        assertThat(hub.admin().stats().messagesFailed()).isZero();
    }

    @Test
    void aBrokerThatEmitsPastTheDemandIsCountedAndResubscribedNotLost() {
        AtomicReference<FluxSink<BrokerMessage>> sink = new AtomicReference<>();
        AtomicInteger subscriptions = new AtomicInteger();
        Flux<BrokerMessage> inbound = Flux.<BrokerMessage>create(s -> {
            subscriptions.incrementAndGet();
            sink.set(s);
        }, FluxSink.OverflowStrategy.IGNORE).share();
        hub(new RecordingBroker(inbound));
        FakeTransport t = subscribed("t", new FakeTransport().executor(loop));
        CountDownLatch busy = new CountDownLatch(1);
        loop.execute(() -> {
            try {
                busy.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });

        for (int i = 0; i < 1_000; i++) {
            sink.get().next(remote("t", i));
        }
        busy.countDown();

        await().atMost(Duration.ofSeconds(5)).until(() -> subscriptions.get() == 2);
        assertThat(hub.admin().stats().messagesFailed()).isEqualTo(1);
        sink.get().next(remote("t", 5_000));
        await().atMost(Duration.ofSeconds(5)).until(() -> seqs(t).contains(5_000));
        assertThat(seqs(t)).isSorted().hasSizeLessThan(1_001);
    }
}
