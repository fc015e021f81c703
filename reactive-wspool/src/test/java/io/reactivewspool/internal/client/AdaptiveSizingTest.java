package io.reactivewspool.internal.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

import io.reactivewspool.client.AdaptiveSizingSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.test.scheduler.VirtualTimeScheduler;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The adaptive sizing controller in virtual time against a simulated pool: the pool's size is
 * the controller's target, callers beyond it wait, and the demand follows a schedule with noise.
 */
class AdaptiveSizingTest {

    private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    private final Random random = new Random(42);
    private final List<long[]> changes = new ArrayList<>();
    private final List<Disposable> running = new ArrayList<>();
    private volatile int open;
    private volatile int demand;
    private AdaptiveSizing sizing;

    @AfterEach
    void stop() {
        running.forEach(Disposable::dispose);
        vts.dispose();
    }

    /**
     * Starts the controller on a simulated pool whose size follows the target at once. Every 10 ms
     * one caller acquires: at once when a connection is free, else after 10 ms for each caller that
     * waits (so that the summed wait over an interval matches the callers waiting).
     */
    private void start(AdaptiveSizingSpec spec, int min, int max, IntSupplier demandNow) {
        sizing = new AdaptiveSizing(spec, "sim", min, max, vts,
                () -> {
                    demand = demandNow.getAsInt();
                    int borrowed = Math.min(demand, open);
                    return new AdaptiveSizing.Gauge(open, borrowed, demand - borrowed);
                },
                target -> {
                    if (open != 0 && target != open) {
                        changes.add(new long[] {vts.now(TimeUnit.MILLISECONDS), open, target});
                    }
                    open = target;
                },
                new PoolEvents("sim"));
        running.add(sizing.start());
        running.add(Flux.interval(Duration.ofMillis(10), vts)
                .subscribe(t -> sizing.acquired(demand > open ? (demand - open) * Duration.ofMillis(10).toNanos() : Duration.ofMillis(1).toNanos() / 10)));
    }

    /** Each change as [virtual ms, from, to]. */
    private List<String> describe() {
        return changes.stream().map(Arrays::toString).toList();
    }

    private long changesBetween(long fromMs, long toMs) {
        return changes.stream().filter(c -> c[0] >= fromMs && c[0] < toMs).count();
    }

    /** Two callers, twelve, two again: a minute, a minute, two minutes; borrowed reads one less at random (a release-to-acquire gap). */
    @Test
    void settlesNearTheBestSizeInEachPhaseOfALoadThatRisesAndFalls() {
        start(AdaptiveSizingSpec.defaults(), 1, 12, () -> {
            long s = vts.now(TimeUnit.SECONDS);
            int callers = s < 60 ? 2 : s < 120 ? 12 : 2;
            return callers - (random.nextInt(4) == 0 ? 1 : 0);
        });

        // each check half a second before the next phase starts
        vts.advanceTimeBy(Duration.ofMillis(59_500));
        assertThat(sizing.target()).as("phase 1, two callers").isBetween(2, 3);
        vts.advanceTimeBy(Duration.ofSeconds(60));
        assertThat(sizing.target()).as("phase 2, twelve callers, max 12").isEqualTo(12);
        vts.advanceTimeBy(Duration.ofSeconds(120));
        assertThat(sizing.target()).as("phase 3, two callers again").isBetween(2, 3);

        assertThat(changesBetween(30_000, 60_000)).as("changes in the steady half of phase 1: %s", describe()).isZero();
        assertThat(changesBetween(90_000, 120_000)).as("changes in the steady half of phase 2: %s", describe()).isZero();
        assertThat(changesBetween(210_000, 240_000)).as("changes in the steady half of phase 3: %s", describe()).isZero();
        // 1 -> 3, then 4 steps up to 12 at most, then 2 down to 3 (5 steps), each change one step
        assertThat(changes).as("changes %s", describe()).hasSizeLessThanOrEqualTo(10);
        assertThat(sizing.changes()).isEqualTo(changes.size());
    }

    @Test
    void growsInBoundedStepsAndNotBeforeTheCooldown() {
        AdaptiveSizingSpec spec = AdaptiveSizingSpec.builder().maxStepUp(2).growCooldown(Duration.ofSeconds(5)).build();
        start(spec, 1, 20, () -> 16);
        vts.advanceTimeBy(Duration.ofSeconds(60));
        assertThat(sizing.target()).isEqualTo(20);
        for (int i = 1; i < changes.size(); i++) {
            long[] c = changes.get(i);
            assertThat(c[2] - c[1]).as("step %s", i).isBetween(1L, 2L);
            assertThat(c[0] - changes.get(i - 1)[0]).as("time since the previous change").isGreaterThanOrEqualTo(5_000);
        }
    }

    /** A load that jumps between 3 and 5 callers every second for ten minutes. */
    @Test
    void aNoisyLoadInsideTheHysteresisBandMovesNothingOnceSettled() {
        start(AdaptiveSizingSpec.defaults(), 1, 32, () -> 3 + random.nextInt(3));
        vts.advanceTimeBy(Duration.ofSeconds(60));
        int settled = sizing.target();
        long before = changes.size();
        vts.advanceTimeBy(Duration.ofMinutes(10));
        assertThat(settled).isBetween(5, 8);
        assertThat(changes.size() - before).as("changes after settling: %s", describe()).isLessThanOrEqualTo(1);
        assertThat(sizing.target()).isBetween(5, 8);
    }

    @Test
    void shrinksNoLowerThanTheHighestLoadOfTheCooldownNeeds() {
        AdaptiveSizingSpec spec = AdaptiveSizingSpec.builder().maxStepDown(100).shrinkCooldown(Duration.ofSeconds(10)).build();
        // 12 callers for a minute, then 1 caller except one burst of 8 callers for a second, 5 s in
        start(spec, 1, 12, () -> {
            long s = vts.now(TimeUnit.SECONDS);
            return s < 60 ? 12 : s == 65 ? 8 : 1;
        });
        vts.advanceTimeBy(Duration.ofSeconds(60));
        assertThat(sizing.target()).isEqualTo(12);
        vts.advanceTimeBy(Duration.ofSeconds(60));
        assertThat(sizing.target()).isBetween(1, 2);
        assertThat(changesBetween(60_000, 120_000)).as("shrinks: %s", describe()).isGreaterThanOrEqualTo(1);
        // the burst's smoothed load (1 -> 4.5) wants 6 at targetUtilisation 0.75: no shrink below it while it is in the window
        for (long[] c : changes) {
            if (c[0] >= 65_000 && c[0] < 75_000) {
                assertThat(c[2]).as("size after a shrink at %s ms: %s", c[0], describe()).isGreaterThanOrEqualTo(6);
            }
        }
    }

    @Test
    void requestRoundTripsCountAsLoadPerRequestsPerConnection() {
        AdaptiveSizingSpec spec = AdaptiveSizingSpec.builder().requestsPerConnection(4).build();
        start(spec, 1, 16, () -> 0);
        // 20 requests in flight all the time: 20 x 1 s of round trip per 1 s interval, 4 per connection: 5 busy, 7 at 0.75
        running.add(Flux.interval(Duration.ofMillis(50), Duration.ofMillis(100), vts).subscribe(t -> {
            for (int i = 0; i < 20; i++) {
                sizing.requested(Duration.ofMillis(100).toNanos());
            }
        }));
        vts.advanceTimeBy(Duration.ofSeconds(60));
        assertThat(sizing.target()).isEqualTo(7);
    }

    @Test
    void manualResizeClampsTheTargetIntoTheNewBounds() {
        start(AdaptiveSizingSpec.defaults(), 1, 12, () -> 12);
        vts.advanceTimeBy(Duration.ofSeconds(60));
        assertThat(sizing.target()).isEqualTo(12);
        sizing.bounds(1, 6);
        assertThat(sizing.target()).isEqualTo(6);
        assertThat(open).isEqualTo(6);
        vts.advanceTimeBy(Duration.ofSeconds(60));
        assertThat(sizing.target()).isEqualTo(6);
    }
}
