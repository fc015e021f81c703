package io.reactivewspool.reliability;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import io.reactivewspool.WsClosedException;
import io.reactivewspool.WsConnectException;
import io.reactivewspool.WsPoolException;
import io.reactivewspool.WsRequestTimeoutException;
import io.reactivewspool.client.WsClientOptions;
import io.reactivewspool.client.WsClientPool;
import io.reactivewspool.client.WsClientPoolOptions;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.test.EchoWsServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * 256 callers keep {@code pool.request(...)} busy while the server goes away and comes back on
 * the same port: every request ends, in a reply or in a {@code WsException} that says what went
 * wrong, within the bound the pool's timeouts give it; none hangs, none is lost from the count.
 */
class ClientPoolRestartIT {

    private static final int REQUESTERS = 256;
    private static final int MIN = 4;
    private static final int MAX = 8;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration ACQUIRE_TIMEOUT = Duration.ofSeconds(2);
    /**
     * The longest one {@code pool.request} may take: up to three send attempts, each of which may
     * have to acquire (connect) first, then the reply wait; plus scheduling slack on a busy machine.
     */
    private static final Duration DEADLINE = ACQUIRE_TIMEOUT.multipliedBy(3).plus(REQUEST_TIMEOUT).plusSeconds(2);
    private static final Duration WAIT = Duration.ofSeconds(20);

    private EchoWsServer server;
    private WsClientPool pool;

    @AfterEach
    void stop() {
        if (pool != null) {
            pool.disposeLater().block(WAIT);
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void everyRequestEndsWithinItsDeadlineWhileTheServerRestartsAndThePoolRecoversItsMinimum() throws Exception {
        server = EchoWsServer.start();
        pool = WsClientPool.create(WsClientPoolOptions.builder(WsClientOptions.builder(server.url())
                        .requestTimeout(REQUEST_TIMEOUT).connectTimeout(Duration.ofSeconds(1))
                        .handshakeTimeout(Duration.ofSeconds(1)).closeTimeout(Duration.ofSeconds(1)).build())
                .name("restart-it")
                .minConnections(MIN).maxConnections(MAX)
                .acquireTimeout(ACQUIRE_TIMEOUT)
                .connectBackoffFirst(Duration.ofMillis(50)).connectBackoffMax(Duration.ofMillis(300))
                .connectMaxAttempts(3)
                .healthCheckPeriod(Duration.ofMillis(250)).healthCheckTimeout(Duration.ofMillis(500))
                .maxIdleTime(Duration.ofMillis(500))
                .build());
        await().atMost(WAIT).until(() -> pool.metrics().allocated() == MIN && server.openConnections() == MIN);

        Outcomes outcomes = new Outcomes(List.of("'" + pool.name() + "'", "127.0.0.1:" + server.port()));
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong issued = new AtomicLong();
        var load = Flux.range(0, REQUESTERS)
                .flatMap(lane -> Mono.defer(() -> {
                    long n = issued.incrementAndGet();
                    long started = System.nanoTime();
                    return pool.request(WsMessage.of("echo", null, Map.of("n", n)))
                            .timeout(DEADLINE, Mono.error(() -> new HungRequest(n)))
                            .doFinally(sig -> outcomes.longest.accumulateAndGet(System.nanoTime() - started, Math::max))
                            .doOnNext(reply -> outcomes.reply(n, reply))
                            .then()
                            .onErrorResume(e -> {
                                outcomes.failure(e);
                                return Mono.delay(Duration.ofMillis(20)).then(); // no hot spin while the server is down
                            });
                }).repeat(running::get), REQUESTERS)
                .then()
                .toFuture();

        await().atMost(WAIT).until(() -> outcomes.replies.sum() >= 2_000);
        server.stop();
        long repliesAtStop = outcomes.replies.sum();
        // The outage is felt by every lane at least once on average, and lasts at least a second.
        long outageStart = System.nanoTime();
        await().atMost(WAIT).until(() -> outcomes.failures() >= REQUESTERS
                && System.nanoTime() - outageStart >= TimeUnit.SECONDS.toNanos(1));
        server.restart();
        long repliesAtRestart = outcomes.replies.sum();
        await().atMost(WAIT).until(() -> outcomes.replies.sum() >= repliesAtRestart + 2_000);
        running.set(false);
        load.get(DEADLINE.toSeconds() + 10, TimeUnit.SECONDS);
        System.out.println("ClientPoolRestartIT outcomes: issued=" + issued.get() + " " + outcomes.byType
                + " longest_ms=" + TimeUnit.NANOSECONDS.toMillis(outcomes.longest.get()));

        assertThat(outcomes.hung).as("requests that outlived %s", DEADLINE).isEmpty();
        assertThat(outcomes.unclear).as("failures that are not a WsException naming the pool or the server").isEmpty();
        assertThat(outcomes.wrongReplies.sum()).as("replies carrying another request's data").isZero();
        assertThat(outcomes.total()).as("outcomes %s", outcomes.byType).isEqualTo(issued.get());
        assertThat(outcomes.failures()).isGreaterThanOrEqualTo(REQUESTERS);
        assertThat(repliesAtRestart - repliesAtStop).as("replies while the server was down").isLessThanOrEqualTo(REQUESTERS);

        // Back to the minimum, every connection open on both ends (idle surplus closes after maxIdleTime).
        await().atMost(WAIT).until(() -> pool.metrics().allocated() == MIN && server.openConnections() == MIN);
        List<WsMessage> replies = Flux.range(0, 1_000)
                .flatMap(i -> pool.request(WsMessage.of("echo", null, Map.of("n", i))), REQUESTERS)
                .collectList().block(WAIT);
        assertThat(replies).hasSize(1_000).allMatch(r -> r.is("reply"));
        assertThat(pool.metrics().allocated()).isEqualTo(MIN);
    }

    /** The watchdog's verdict on a request that neither replied nor failed within {@link #DEADLINE}. */
    private static final class HungRequest extends RuntimeException {
        private static final long serialVersionUID = 1L;

        HungRequest(long n) {
            super("request " + n + " neither completed nor failed within " + DEADLINE, null, false, false);
        }
    }

    /** How each request ended, counted without locks (callers are on event loops and timers). */
    private static final class Outcomes {
        final List<String> mustName;
        final LongAdder replies = new LongAdder();
        final LongAdder wrongReplies = new LongAdder();
        final AtomicLong longest = new AtomicLong();
        final Map<String, LongAdder> byType = new ConcurrentHashMap<>();
        final List<String> hung = new CopyOnWriteArrayList<>();
        final List<String> unclear = new CopyOnWriteArrayList<>();

        Outcomes(List<String> mustName) {
            this.mustName = mustName;
        }

        void reply(long n, WsMessage reply) {
            replies.increment();
            count("reply");
            if (!reply.is("reply") || reply.data() == null || reply.data().get("n").asLong() != n) {
                wrongReplies.increment();
            }
        }

        void failure(Throwable e) {
            count(e.getClass().getSimpleName());
            if (e instanceof HungRequest) {
                hung.add(e.getMessage());
                return;
            }
            boolean known = e instanceof WsConnectException || e instanceof WsClosedException
                    || e instanceof WsRequestTimeoutException || e instanceof WsPoolException;
            String msg = String.valueOf(e.getMessage());
            if ((!known || mustName.stream().noneMatch(msg::contains)) && unclear.size() < 10) {
                unclear.add(e.toString());
            }
        }

        private void count(String type) {
            byType.computeIfAbsent(type, k -> new LongAdder()).increment();
        }

        long failures() {
            return total() - replies.sum();
        }

        long total() {
            return byType.values().stream().mapToLong(LongAdder::sum).sum();
        }
    }
}
