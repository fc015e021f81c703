package io.reactivewspool.internal.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whoever waits for a topic to be ready (a {@code subscribed} reply, a cluster's
 * {@code subscribeConnection}) is released, also when the topic goes before the broker answered.
 */
class TopicsReadyTest {

    private static final Duration T = Duration.ofSeconds(10);

    @Test
    void aTopicThatGoesBeforeTheBrokerAnsweredReleasesWhoWaitsForIt() {
        Sinks.Empty<Void> answer = Sinks.empty();
        Topics topics = new Topics(100, 100, (name, on) -> on ? answer.asMono() : Mono.empty(), () -> { });
        Disposable subscriber = topics.inProcess("t").subscribe();
        Mono<Void> ready = topics.ready("t");
        // The topic's only subscriber leaves (unsubscribed, or its connection closed) while the broker
        // has not yet answered: before, the waiter was never released (a reply that never came).
        subscriber.dispose();
        StepVerifier.create(ready).expectComplete().verify(T);
        answer.tryEmitEmpty();
    }

    @Test
    void subscribersComingAndGoingWhileTheBrokerAnswersLateAreEachReleased() throws Exception {
        // The broker answers every declaration and withdrawal a moment later, on another thread.
        Topics topics = new Topics(100, 100, (name, on) ->
                Mono.delay(Duration.ofMillis(ThreadLocalRandom.current().nextInt(3)), Schedulers.parallel()).then(), () -> { });
        int threads = 4;
        int rounds = 300;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        ConcurrentLinkedQueue<Mono<Void>> waits = new ConcurrentLinkedQueue<>();
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> work = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                work.add(pool.submit(() -> {
                    go.await();
                    ThreadLocalRandom r = ThreadLocalRandom.current();
                    for (int i = 0; i < rounds; i++) {
                        String name = "t" + r.nextInt(3);
                        Disposable s = topics.inProcess(name).subscribe();
                        waits.add(topics.ready(name).cache());
                        if (r.nextBoolean()) {
                            Thread.onSpinWait();
                        }
                        s.dispose();
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : work) {
                f.get(1, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(waits).hasSize(threads * rounds);
        int i = 0;
        for (Mono<Void> w : waits) {
            StepVerifier.create(w).as("wait " + i++).expectComplete().verify(T);
        }
    }
}
