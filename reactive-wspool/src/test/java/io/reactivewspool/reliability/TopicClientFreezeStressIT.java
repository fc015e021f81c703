package io.reactivewspool.reliability;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import io.reactivewspool.client.WsTopicClient;
import io.reactivewspool.client.WsTopicClientOptions;
import io.reactivewspool.history.HistoryOptions;
import io.reactivewspool.history.TopicHistory;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.test.HubFixture;
import io.reactivewspool.testsupport.TcpFaultProxy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Topic clients whose network path freezes again and again while messages flow: the liveness
 * timer, the reconnect loop and, at the end, {@code disposeLater()} from several threads (some
 * while a frozen connection is being found or closed) race each other. The ping timeout stays at
 * 1 s: with 300 ms on this loaded 2-core machine, pongs and messages starved by the JIT warm-up
 * and PARANOID leak tracking took live connections for dead over and over.
 */
class TopicClientFreezeStressIT {

    private static final int CLIENTS = 4;
    private static final int FREEZES = 4;
    private static final Duration FREEZE_EVERY = Duration.ofMillis(1500);
    private static final Duration PUBLISH_EVERY = Duration.ofMillis(20);
    private static final Duration WAIT = Duration.ofSeconds(20);

    private HubFixture hub;
    private TcpFaultProxy proxy;
    private final List<WsTopicClient> clients = new ArrayList<>();
    private final Disposable.Composite subscriptions = Disposables.composite();

    @AfterEach
    void stop() {
        subscriptions.dispose();
        clients.forEach(c -> c.disposeLater().block(WAIT));
        hub.close();
        proxy.close();
    }

    @Test
    void repeatedFreezesRacingReconnectsAndCloseLoseNothingDuplicateNothingAndLeaveNoSocket() {
        hub = HubFixture.start(WsHubOptions.builder()
                .history(TopicHistory.inMemory(HistoryOptions.builder().size(10_000).build()))
                .outboundQueueSize(16_384) // a whole replay of the history must fit (checked at build)
                .closeDrainPeriod(Duration.ZERO)
                .build());
        proxy = TcpFaultProxy.to(hub.server().port());
        List<List<Integer>> received = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            WsTopicClient c = WsTopicClient.create(WsTopicClientOptions.builder("ws://127.0.0.1:" + proxy.port() + "/ws")
                    .client(b -> b.closeTimeout(Duration.ofMillis(200)))
                    .pingInterval(Duration.ofMillis(200))
                    .pingTimeout(Duration.ofSeconds(1))
                    .reconnectBackoffFirst(Duration.ofMillis(10))
                    .reconnectBackoffMax(Duration.ofMillis(50))
                    .build());
            clients.add(c);
            List<Integer> got = new CopyOnWriteArrayList<>();
            received.add(got);
            subscriptions.add(c.subscribe("ticks").subscribe(m -> got.add(m.data().asInt())));
        }
        AtomicInteger sent = new AtomicInteger();
        Disposable publisher = Flux.interval(PUBLISH_EVERY)
                .subscribe(t -> hub.hub().broadcast("ticks", "tick", sent.incrementAndGet()));
        subscriptions.add(publisher);
        // Recovery starts at a client's first message.
        await().atMost(WAIT).until(() -> received.stream().noneMatch(List::isEmpty));

        Flux.interval(FREEZE_EVERY).take(FREEZES).doOnNext(t -> proxy.freeze()).blockLast(WAIT.multipliedBy(2));
        publisher.dispose();
        int lastSent = sent.get();
        await().atMost(WAIT).until(() -> received.stream().allMatch(got -> got.get(got.size() - 1) == lastSent));
        int accepted = proxy.acceptedConnections();

        // Freeze once more and close every client from the parallel scheduler's threads, spread over
        // the time their frozen connections are being found, closed and replaced.
        proxy.freeze();
        Flux.fromIterable(clients)
                .flatMap(c -> Mono.delay(Duration.ofMillis(ThreadLocalRandom.current().nextInt(1500)), Schedulers.parallel())
                        .then(c.disposeLater()))
                .blockLast(WAIT);

        for (int i = 0; i < CLIENTS; i++) {
            List<Integer> got = received.get(i);
            List<Integer> expected = new ArrayList<>();
            for (int n = got.get(0); n <= lastSent; n++) {
                expected.add(n);
            }
            assertThat(got).as("client %d: from its first message on, every message once and in order", i).isEqualTo(expected);
            assertThat(clients.get(i).droppedMessages()).isZero();
            assertThat(clients.get(i).isConnected()).isFalse();
        }
        // Every client socket is released, frozen ones included, and none is opened after the close.
        await().atMost(WAIT).until(() -> proxy.openLinks() == 0);
        int acceptedAtClose = proxy.acceptedConnections();
        await().during(Duration.ofSeconds(1)).atMost(WAIT)
                .until(() -> proxy.acceptedConnections() == acceptedAtClose && proxy.openLinks() == 0);
        System.out.printf("freeze stress: %d clients, %d freezes, %d messages, %d connections before the close, %d after%n",
                CLIENTS, FREEZES, lastSent, accepted, acceptedAtClose);
        assertThat(accepted).as("connections replaced after the freezes").isGreaterThan(CLIENTS * FREEZES / 2);
    }
}
