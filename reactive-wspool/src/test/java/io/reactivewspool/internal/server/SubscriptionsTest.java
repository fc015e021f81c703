package io.reactivewspool.internal.server;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.Disposables;

import static org.assertj.core.api.Assertions.assertThat;

class SubscriptionsTest {

    @Test
    void keepsNamesAndHandlesAcrossTheSwitchFromArrayToMapAndBack() {
        Subscriptions subs = new Subscriptions();
        List<Disposable> handles = new ArrayList<>();
        int n = Subscriptions.ARRAY_LIMIT * 2 + 3;
        for (int i = 0; i < n; i++) {
            Disposable d = Disposables.single();
            handles.add(d);
            subs.put("t" + i, d);
            assertThat(subs.size()).isEqualTo(i + 1);
        }
        for (int i = 0; i < n; i++) {
            assertThat(subs.get("t" + i)).isSameAs(handles.get(i));
        }
        assertThat(subs.contains("t" + n)).isFalse();
        assertThat(subs.topics()).hasSize(n).contains("t0", "t" + (n - 1));
        for (int i = 0; i < n; i += 2) {
            assertThat(subs.remove("t" + i)).isSameAs(handles.get(i));
            assertThat(subs.remove("t" + i)).isNull();
        }
        assertThat(subs.size()).isEqualTo(n / 2);
        assertThat(subs.contains("t1")).isTrue();
        assertThat(subs.contains("t0")).isFalse();
    }

    @Test
    void inTheArrayAReplacedHandleWinsAndRemovingTheMiddleKeepsTheOthers() {
        Subscriptions subs = new Subscriptions();
        Disposable a = Disposables.single();
        Disposable b = Disposables.single();
        Disposable c = Disposables.single();
        Disposable a2 = Disposables.single();
        subs.put("a", a);
        subs.put("b", b);
        subs.put("c", c);
        subs.put("a", a2);
        assertThat(subs.size()).isEqualTo(3);
        assertThat(subs.get("a")).isSameAs(a2);
        assertThat(subs.remove("b")).isSameAs(b);
        assertThat(subs.topics()).containsExactly("a", "c");
        assertThat(subs.get("c")).isSameAs(c);
        assertThat(subs.remove("a")).isSameAs(a2);
        assertThat(subs.remove("c")).isSameAs(c);
        assertThat(subs.size()).isZero();
        assertThat(subs.topics()).isEmpty();
    }

    @Test
    void concurrentWritersLoseNothing() throws Exception {
        Subscriptions subs = new Subscriptions();
        int writers = 4;
        int each = 50;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch start = new CountDownLatch(1);
        try {
            for (int w = 0; w < writers; w++) {
                int id = w;
                pool.execute(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    for (int i = 0; i < each; i++) {
                        subs.put("w" + id + "-" + i, Disposables.single());
                        if (i % 2 == 1) {
                            subs.remove("w" + id + "-" + (i - 1));
                        }
                    }
                });
            }
            start.countDown();
        } finally {
            pool.shutdown();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(subs.size()).isEqualTo(writers * each / 2);
        for (int w = 0; w < writers; w++) {
            for (int i = 1; i < each; i += 2) {
                assertThat(subs.contains("w" + w + "-" + i)).isTrue();
            }
        }
    }
}
