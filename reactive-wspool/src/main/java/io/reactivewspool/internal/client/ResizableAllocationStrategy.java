package io.reactivewspool.internal.client;

import java.util.concurrent.atomic.AtomicInteger;

import reactor.pool.AllocationStrategy;

/**
 * reactor-pool's size-based strategy, with sizes that can change at runtime. Warm-up asks for
 * one permit at a time: a failed connect then returns exactly its own permit, and the pool's
 * top-up loop (not reactor-pool's bulk warm-up) decides when to try again.
 */
final class ResizableAllocationStrategy implements AllocationStrategy {

    private final AtomicInteger granted = new AtomicInteger();
    private volatile int min;
    private volatile int max;

    ResizableAllocationStrategy(int min, int max) {
        this.min = min;
        this.max = max;
    }

    void resize(int newMin, int newMax) {
        this.max = newMax;
        this.min = newMin;
    }

    @Override
    public int estimatePermitCount() {
        return Math.max(0, max - granted.get());
    }

    @Override
    public int getPermits(int desired) {
        if (desired < 0) {
            return 0;
        }
        for (;;) {
            int g = granted.get();
            int want = desired == 0 ? (g < min ? 1 : 0) : desired;
            int n = Math.min(want, max - g);
            if (n <= 0) {
                return 0;
            }
            if (granted.compareAndSet(g, g + n)) {
                return n;
            }
        }
    }

    @Override
    public int permitGranted() {
        return granted.get();
    }

    @Override
    public int permitMinimum() {
        return min;
    }

    @Override
    public int permitMaximum() {
        return max;
    }

    @Override
    public void returnPermits(int returned) {
        for (;;) {
            int g = granted.get();
            if (returned > g) {
                throw new IllegalArgumentException("Too many permits returned: returned=" + returned + ", would bring to " + (g - returned) + "/" + max);
            }
            if (granted.compareAndSet(g, g - returned)) {
                return;
            }
        }
    }

    @Override
    public int warmupParallelism() {
        return 1;
    }
}
