package io.reactivewspool.internal.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import io.reactivewspool.WsClosedException;
import io.reactivewspool.WsRequestTimeoutException;
import io.reactivewspool.client.WsClient;
import io.reactivewspool.client.WsClientOptions;
import io.reactivewspool.client.WsConnection;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.server.WsHubRequestException;
import io.reactivewspool.server.WsHubRequestException.Reason;
import io.reactivewspool.test.HubFixture;
import io.reactivewspool.test.ReactorNettyTestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The hub's requests to clients on one hub over loopback: timeouts, connections that close first,
 * the bound on waiting requests, a Java {@link WsConnection} answering them, and a stress run.
 * The cluster-wide case is {@code RedisHubRequestsIT}.
 */
class HubRequestsIT {

    private static final Duration T = Duration.ofSeconds(20);

    private final List<HubFixture> fixtures = new ArrayList<>();
    private final List<ReactorNettyTestClient> clients = new ArrayList<>();
    private final List<WsConnection> connections = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeAll() {
        clients.forEach(ReactorNettyTestClient::close);
        Flux.fromIterable(connections).flatMap(c -> c.close(1000, "test over").onErrorResume(e -> Mono.empty())).blockLast(T);
        fixtures.forEach(HubFixture::close);
    }

    private HubFixture hub(WsHubOptions.Builder options) {
        HubFixture f = HubFixture.start(options.closeDrainPeriod(Duration.ZERO).build());
        fixtures.add(f);
        return f;
    }

    private static HubRequests requests(HubFixture f) {
        return ((DefaultWsHub) f.hub()).requests();
    }

    /** A raw client and its connection id. */
    private record Raw(ReactorNettyTestClient client, String id) {
    }

    private Raw raw(HubFixture f) {
        ReactorNettyTestClient c = ReactorNettyTestClient.connect(f.wsUrl());
        clients.add(c);
        return new Raw(c, c.welcome().data().get("connection_id").asString());
    }

    @Test
    void requestWithoutAnAckFailsWithATimeoutNamingItsIdAndLeavesNothingWaiting() {
        HubFixture f = hub(WsHubOptions.builder());
        Raw r = raw(f);
        StepVerifier.create(f.hub().request(r.id(), WsMessage.of("confirm"), Duration.ofMillis(300)))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(WsRequestTimeoutException.class);
                    assertThat(((WsRequestTimeoutException) e).requestId()).startsWith("hub:");
                    assertThat(e.getMessage()).contains("conn=" + r.id()).contains("300ms");
                })
                .verify(T);
        assertThat(r.client().next("confirm").isHubRequest()).isTrue();
        assertThat(requests(f).waiting()).isZero();
    }

    @Test
    void connectionThatClosesFirstFailsEveryWaitingRequestWithItsCloseCodeAndReason() {
        HubFixture f = hub(WsHubOptions.builder());
        Raw kicked = raw(f);
        Raw lost = raw(f);
        List<Mono<WsMessage>> waiting = new ArrayList<>();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 3; i++) {
            f.hub().request(kicked.id(), WsMessage.of("confirm"), T).subscribe(null, failures::add);
            f.hub().request(lost.id(), WsMessage.of("confirm"), T).subscribe(null, failures::add);
        }
        await().atMost(T).until(() -> requests(f).waiting() == 6);

        f.hub().admin().disconnect(List.of(kicked.id()), "maintenance").block(T);
        lost.client().abort();

        await().atMost(T).until(() -> failures.size() == 6);
        assertThat(failures).allSatisfy(e -> assertThat(e).isInstanceOf(WsClosedException.class)
                .hasMessageContaining("the connection closed first"));
        assertThat(failures).filteredOn(e -> e.getMessage().contains(kicked.id()))
                .hasSize(3).allSatisfy(e -> {
                    assertThat(((WsClosedException) e).code()).isEqualTo(1000);
                    assertThat(((WsClosedException) e).reason()).isEqualTo("maintenance");
                });
        assertThat(failures).filteredOn(e -> e.getMessage().contains(lost.id()))
                .hasSize(3).allSatisfy(e -> assertThat(((WsClosedException) e).code()).isEqualTo(1006));
        assertThat(requests(f).waiting()).isZero();
        await().atMost(T).until(() -> requests(f).connectionsTracked() == 0);
        // Once it is gone, the hub does not know it.
        StepVerifier.create(f.hub().request(kicked.id(), WsMessage.of("confirm"), T))
                .expectErrorSatisfies(e -> assertThat(((WsHubRequestException) e).reason()).isEqualTo(Reason.UNKNOWN_CONNECTION))
                .verify(T);
    }

    @Test
    void waitingRequestsPerConnectionAreBoundedAndAFreedSlotIsUsableAgain() {
        HubFixture f = hub(WsHubOptions.builder().maxPendingRequestsPerConnection(2));
        Raw r = raw(f);
        Mono<WsMessage> first = f.hub().request(r.id(), WsMessage.of("confirm"), T).cache();
        first.subscribe(null, e -> { });
        Disposable second = f.hub().request(r.id(), WsMessage.of("confirm"), T).subscribe(null, e -> { });
        await().atMost(T).until(() -> requests(f).waiting() == 2);

        StepVerifier.create(f.hub().request(r.id(), WsMessage.of("confirm"), T))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(WsHubRequestException.class);
                    assertThat(((WsHubRequestException) e).reason()).isEqualTo(Reason.TOO_MANY_PENDING);
                    assertThat(e.getMessage()).contains("2 requests already wait").contains("maxPendingRequestsPerConnection");
                })
                .verify(T);

        second.dispose(); // a cancelled request frees its slot
        String firstId = r.client().next("confirm").id();
        r.client().send(WsMessage.ack(firstId, "ok"));
        assertThat(first.block(T).data().asString()).isEqualTo("ok");
        assertThat(requests(f).waiting()).isZero();
        CompletableFuture<WsMessage> third = f.hub().request(r.id(), WsMessage.of("confirm"), T).toFuture();
        String thirdId = r.client().next(m -> m.is("confirm") && !m.id().equals(firstId) && ConnectionAcks.number(m.id()) > 2).id();
        r.client().send(WsMessage.ack(thirdId, "again"));
        assertThat(third.orTimeout(T.toSeconds(), TimeUnit.SECONDS).join().data().asString()).isEqualTo("again");
    }

    @Test
    void requestToAnUnknownConnectionOnAHubWithoutClusterFailsAtOnce() {
        HubFixture f = hub(WsHubOptions.builder());
        StepVerifier.create(f.hub().request("no-such-connection", WsMessage.of("confirm"), T))
                .expectErrorSatisfies(e -> {
                    assertThat(((WsHubRequestException) e).reason()).isEqualTo(Reason.UNKNOWN_CONNECTION);
                    assertThat(e.getMessage()).contains("no-such-connection");
                })
                .verify(T);
    }

    /** A Java client connection of the hub and its connection id. */
    private record Answering(WsConnection connection, String id) {
    }

    /** A Java client that answers every request of the hub from {@code receive()} with what {@code answer} makes of it. */
    private Answering answering(HubFixture f, Function<WsMessage, WsMessage> answer) {
        WsConnection conn = WsClient.create(WsClientOptions.builder(f.wsUrl()).receiveBufferSize(4096).build()).connect().block(T);
        connections.add(conn);
        ConcurrentHashMap<String, String> welcome = new ConcurrentHashMap<>();
        conn.receive().subscribe(m -> {
            if (m.is(WsMessage.WELCOME)) {
                welcome.put("id", m.data().get("connection_id").asString());
            } else if (m.isHubRequest()) {
                conn.send(answer.apply(m)).subscribe(null, e -> { });
            }
        });
        await().atMost(T).until(() -> welcome.containsKey("id"));
        return new Answering(conn, welcome.get("id"));
    }

    @Test
    void javaClientAnswersTheHubsRequestsFromReceive() {
        HubFixture f = hub(WsHubOptions.builder());
        Answering a = answering(f, m -> WsMessage.ack(m.id(), Map.of("seen", m.data().get("n").asInt())));
        WsMessage ack = f.hub().request(a.id(), WsMessage.of("confirm", null, Map.of("n", 7)), T).block(T);
        assertThat(ack.data().get("seen").asInt()).isEqualTo(7);
    }

    @Test
    void manyThreadsRequestingManyConnectionsWhileSomeCloseEndEveryRequestAndLeaveNothingWaiting() {
        int connectionsCount = 16;
        int threads = 4;
        int perThread = 400;
        HubFixture f = hub(WsHubOptions.builder().maxPendingRequestsPerConnection(16));
        WsHub hub = f.hub();
        List<String> ids = new ArrayList<>();
        List<WsConnection> conns = new ArrayList<>();
        for (int i = 0; i < connectionsCount; i++) {
            Answering a = answering(f, m -> {
                int n = m.data().get("n").asInt();
                return n % 7 == 0 ? WsMessage.ackError(m.id(), "refused " + n) : WsMessage.ack(m.id(), n);
            });
            conns.add(a.connection());
            ids.add(a.id());
        }
        AtomicInteger acked = new AtomicInteger();
        AtomicInteger wrongAnswer = new AtomicInteger();
        ConcurrentHashMap<String, AtomicInteger> failures = new ConcurrentHashMap<>();
        List<Flux<Void>> runs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            runs.add(Flux.range(0, perThread)
                    .publishOn(Schedulers.boundedElastic())
                    .flatMap(i -> {
                        int n = thread * perThread + i;
                        String target = ids.get(ThreadLocalRandom.current().nextInt(ids.size()));
                        return hub.request(target, WsMessage.of("confirm", null, Map.of("n", n)), Duration.ofSeconds(5))
                                .doOnNext(ack -> {
                                    if (ack.data().asInt() == n) {
                                        acked.incrementAndGet();
                                    } else {
                                        wrongAnswer.incrementAndGet();
                                    }
                                })
                                .onErrorResume(e -> {
                                    String kind = e instanceof WsHubRequestException h ? h.reason().name() : e.getClass().getSimpleName();
                                    failures.computeIfAbsent(kind, k -> new AtomicInteger()).incrementAndGet();
                                    return Mono.empty();
                                })
                                .then();
                    }, 24)
                    .subscribeOn(Schedulers.parallel()));
        }
        // Some connections close while the requests run: half of them by the client, half by the hub.
        Flux<Void> closer = Flux.range(0, 4).delayElements(Duration.ofMillis(50), Schedulers.parallel())
                .flatMap(i -> i % 2 == 0 ? conns.get(i).close(1000, "client leaves")
                        : hub.admin().disconnect(List.of(ids.get(i)), "kicked").then());
        Flux.merge(Flux.merge(runs), closer).blockLast(Duration.ofSeconds(60));

        int total = threads * perThread;
        int failed = failures.values().stream().mapToInt(AtomicInteger::get).sum();
        assertThat(acked.get() + failed).as("every request ended, failures %s", failures).isEqualTo(total);
        assertThat(wrongAnswer.get()).as("an ack completed another request").isZero();
        assertThat(failures.keySet()).as("only typed failures").isSubsetOf("REFUSED", "TOO_MANY_PENDING", "UNKNOWN_CONNECTION",
                "NOT_SENT", "WsClosedException", "WsRequestTimeoutException");
        assertThat(failures.get("REFUSED")).isNotNull();
        assertThat(acked.get()).isGreaterThan(total / 2);
        assertThat(requests(f).waiting()).isZero();
        await().atMost(T).until(() -> requests(f).connectionsTracked() <= connectionsCount - 4);
        Flux.fromIterable(conns).flatMap(c -> c.close(1000, "done").onErrorResume(e -> Mono.empty())).blockLast(T);
        await().atMost(T).until(() -> requests(f).connectionsTracked() == 0 && hub.admin().stats().activeConnections() == 0);
        assertThat(requests(f).waiting()).isZero();
        assertThat(requests(f).unknownAcks()).isZero();
    }
}
