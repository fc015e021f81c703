package io.reactivewspool.client;

import java.time.Duration;
import java.util.Objects;

import io.reactivewspool.internal.OptionRange;

/**
 * Opt-in adaptive sizing of a {@link WsClientPool}: every {@link #interval()} the pool measures
 * its load and moves a target size between its minConnections and maxConnections; the pool then
 * keeps exactly that many connections open (the target is both its minimum and its maximum).
 *
 * <p>The load is the number of connections the callers need on average over the interval
 * (Little's law): connections borrowed, plus callers waiting to acquire (their summed acquire
 * wait divided by the interval, or the waiters seen at the sample if more), plus the summed round
 * trip of {@code pool.request} calls divided by the interval and by
 * {@link #requestsPerConnection()}. The load and the utilisation (borrowed ÷ open) are smoothed
 * by an exponentially weighted moving average ({@link #smoothing()}). The wanted size is
 * {@code ceil(load / targetUtilisation)}.
 * <ul>
 * <li>It grows when the wanted size is above the target and callers are pressed: the smoothed
 *     utilisation is at least {@link #targetUtilisation()} or the smoothed acquire wait is above
 *     {@link #acquireWaitThreshold()}; by at most {@link #maxStepUp()} connections, at most once
 *     per {@link #growCooldown()}.</li>
 * <li>It shrinks only when the highest smoothed load of the last {@link #shrinkCooldown()} would
 *     fit at {@link #shrinkUtilisation()} (a hysteresis band below targetUtilisation, so a load
 *     between the two bands moves nothing) and nobody waits longer than acquireWaitThreshold; to
 *     no less than that peak needs, by at most {@link #maxStepDown()}, at most once per
 *     shrinkCooldown.</li>
 * </ul>
 *
 * <pre>{@code
 * WsClientPoolOptions options = WsClientPoolOptions.builder("ws://quotes.internal/ws")
 *         .minConnections(1).maxConnections(32)
 *         .adaptiveSizing(AdaptiveSizingSpec.builder().interval(Duration.ofMillis(500)).build())
 *         .build();
 * }</pre>
 *
 * <p>Defaults: interval {@value #DEFAULT_INTERVAL_MS} ms, smoothing {@value #DEFAULT_SMOOTHING},
 * targetUtilisation {@value #DEFAULT_TARGET_UTILISATION}, shrinkUtilisation
 * {@value #DEFAULT_SHRINK_UTILISATION}, acquireWaitThreshold {@value #DEFAULT_ACQUIRE_WAIT_THRESHOLD_MS} ms,
 * requestsPerConnection {@value #DEFAULT_REQUESTS_PER_CONNECTION}, maxStepUp
 * {@value #DEFAULT_MAX_STEP_UP}, maxStepDown {@value #DEFAULT_MAX_STEP_DOWN}, growCooldown
 * {@value #DEFAULT_GROW_COOLDOWN_MS} ms, shrinkCooldown {@value #DEFAULT_SHRINK_COOLDOWN_MS} ms.
 * Immutable and thread-safe.
 */
public final class AdaptiveSizingSpec {

    /** Default sampling interval, in milliseconds. */
    public static final long DEFAULT_INTERVAL_MS = 1_000;
    /** Default weight of the newest sample in the moving averages. */
    public static final double DEFAULT_SMOOTHING = 0.5;
    /** Default utilisation the target is sized for. */
    public static final double DEFAULT_TARGET_UTILISATION = 0.75;
    /** Default utilisation below which the pool may shrink. */
    public static final double DEFAULT_SHRINK_UTILISATION = 0.5;
    /** Default smoothed acquire wait above which callers count as pressed, in milliseconds. */
    public static final long DEFAULT_ACQUIRE_WAIT_THRESHOLD_MS = 5;
    /** Default requests in flight one connection is sized for. */
    public static final int DEFAULT_REQUESTS_PER_CONNECTION = 16;
    /** Default largest growth per change. */
    public static final int DEFAULT_MAX_STEP_UP = 4;
    /** Default largest shrink per change. */
    public static final int DEFAULT_MAX_STEP_DOWN = 2;
    /** Default least time between a change and a growth, in milliseconds. */
    public static final long DEFAULT_GROW_COOLDOWN_MS = 2_000;
    /** Default least time between a change and a shrink, in milliseconds. */
    public static final long DEFAULT_SHRINK_COOLDOWN_MS = 10_000;
    /** Largest allowed step. */
    public static final int MAX_STEP_LIMIT = 1_000;

    private final Duration interval;
    private final double smoothing;
    private final double targetUtilisation;
    private final double shrinkUtilisation;
    private final Duration acquireWaitThreshold;
    private final int requestsPerConnection;
    private final int maxStepUp;
    private final int maxStepDown;
    private final Duration growCooldown;
    private final Duration shrinkCooldown;

    private AdaptiveSizingSpec(Builder b) {
        this.interval = b.interval;
        this.smoothing = b.smoothing;
        this.targetUtilisation = b.targetUtilisation;
        this.shrinkUtilisation = b.shrinkUtilisation;
        this.acquireWaitThreshold = b.acquireWaitThreshold;
        this.requestsPerConnection = b.requestsPerConnection;
        this.maxStepUp = b.maxStepUp;
        this.maxStepDown = b.maxStepDown;
        this.growCooldown = b.growCooldown;
        this.shrinkCooldown = b.shrinkCooldown;
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A spec with every default. */
    public static AdaptiveSizingSpec defaults() {
        return builder().build();
    }

    /** A builder pre-filled with this spec. */
    public Builder mutate() {
        Builder b = new Builder();
        b.interval = interval;
        b.smoothing = smoothing;
        b.targetUtilisation = targetUtilisation;
        b.shrinkUtilisation = shrinkUtilisation;
        b.acquireWaitThreshold = acquireWaitThreshold;
        b.requestsPerConnection = requestsPerConnection;
        b.maxStepUp = maxStepUp;
        b.maxStepDown = maxStepDown;
        b.growCooldown = growCooldown;
        b.shrinkCooldown = shrinkCooldown;
        return b;
    }

    /** How often the load is sampled and the target reconsidered. */
    public Duration interval() { return interval; }

    /** Weight of the newest sample in the moving averages (1.0: no smoothing). */
    public double smoothing() { return smoothing; }

    /** Utilisation (borrowed ÷ open) the target is sized for. */
    public double targetUtilisation() { return targetUtilisation; }

    /** Utilisation the load must fall below before the pool shrinks. */
    public double shrinkUtilisation() { return shrinkUtilisation; }

    /** Smoothed acquire wait above which callers count as pressed. */
    public Duration acquireWaitThreshold() { return acquireWaitThreshold; }

    /** Requests in flight one connection is sized for, when the load comes from {@code pool.request}. */
    public int requestsPerConnection() { return requestsPerConnection; }

    /** Largest growth per change. */
    public int maxStepUp() { return maxStepUp; }

    /** Largest shrink per change. */
    public int maxStepDown() { return maxStepDown; }

    /** Least time after a change before the target grows. */
    public Duration growCooldown() { return growCooldown; }

    /** Least time after a change before the target shrinks. */
    public Duration shrinkCooldown() { return shrinkCooldown; }

    @Override
    public String toString() {
        return "AdaptiveSizingSpec{interval=" + interval + ", smoothing=" + smoothing + ", targetUtilisation=" + targetUtilisation
                + ", shrinkUtilisation=" + shrinkUtilisation + ", acquireWaitThreshold=" + acquireWaitThreshold
                + ", requestsPerConnection=" + requestsPerConnection + ", maxStepUp=" + maxStepUp + ", maxStepDown=" + maxStepDown
                + ", growCooldown=" + growCooldown + ", shrinkCooldown=" + shrinkCooldown + '}';
    }

    private static double openFraction(String field, double v) {
        if (!(v > 0.0 && v <= 1.0)) {
            throw new IllegalArgumentException(field + " must be > 0.0 and <= 1.0, was " + v);
        }
        return v;
    }

    private static Duration nonNegative(String field, Duration d) {
        return OptionRange.atLeast(field, d, Duration.ZERO);
    }

    /** Builds an {@link AdaptiveSizingSpec}. Not thread-safe. */
    public static final class Builder {
        private Duration interval = Duration.ofMillis(DEFAULT_INTERVAL_MS);
        private double smoothing = DEFAULT_SMOOTHING;
        private double targetUtilisation = DEFAULT_TARGET_UTILISATION;
        private double shrinkUtilisation = DEFAULT_SHRINK_UTILISATION;
        private Duration acquireWaitThreshold = Duration.ofMillis(DEFAULT_ACQUIRE_WAIT_THRESHOLD_MS);
        private int requestsPerConnection = DEFAULT_REQUESTS_PER_CONNECTION;
        private int maxStepUp = DEFAULT_MAX_STEP_UP;
        private int maxStepDown = DEFAULT_MAX_STEP_DOWN;
        private Duration growCooldown = Duration.ofMillis(DEFAULT_GROW_COOLDOWN_MS);
        private Duration shrinkCooldown = Duration.ofMillis(DEFAULT_SHRINK_COOLDOWN_MS);

        private Builder() {
        }

        /** Sampling interval, at least 10 ms; default {@value #DEFAULT_INTERVAL_MS} ms. */
        public Builder interval(Duration interval) {
            Objects.requireNonNull(interval, "interval");
            if (interval.compareTo(Duration.ofMillis(10)) < 0) {
                throw new IllegalArgumentException("interval must be >= 10ms, was " + interval);
            }
            this.interval = interval;
            return this;
        }

        /** Weight of the newest sample, {@code > 0.0} and {@code <= 1.0}; default {@value #DEFAULT_SMOOTHING}. */
        public Builder smoothing(double weight) {
            this.smoothing = openFraction("smoothing", weight);
            return this;
        }

        /** Utilisation the target is sized for, {@code > 0.0} and {@code <= 1.0}; default {@value #DEFAULT_TARGET_UTILISATION}. */
        public Builder targetUtilisation(double utilisation) {
            this.targetUtilisation = openFraction("targetUtilisation", utilisation);
            return this;
        }

        /** Utilisation below which the pool may shrink, {@code > 0.0} and {@code < targetUtilisation}; default {@value #DEFAULT_SHRINK_UTILISATION}. */
        public Builder shrinkUtilisation(double utilisation) {
            this.shrinkUtilisation = openFraction("shrinkUtilisation", utilisation);
            return this;
        }

        /** Smoothed acquire wait above which callers are pressed, >= 0; default {@value #DEFAULT_ACQUIRE_WAIT_THRESHOLD_MS} ms. */
        public Builder acquireWaitThreshold(Duration threshold) {
            this.acquireWaitThreshold = nonNegative("acquireWaitThreshold", threshold);
            return this;
        }

        /** Requests in flight one connection is sized for, 1 to 100000; default {@value #DEFAULT_REQUESTS_PER_CONNECTION}. */
        public Builder requestsPerConnection(int requests) {
            WsClientPoolOptions.checkRange("requestsPerConnection", requests, 1, 100_000);
            this.requestsPerConnection = requests;
            return this;
        }

        /** Largest growth per change, 1 to {@value #MAX_STEP_LIMIT}; default {@value #DEFAULT_MAX_STEP_UP}. */
        public Builder maxStepUp(int step) {
            WsClientPoolOptions.checkRange("maxStepUp", step, 1, MAX_STEP_LIMIT);
            this.maxStepUp = step;
            return this;
        }

        /** Largest shrink per change, 1 to {@value #MAX_STEP_LIMIT}; default {@value #DEFAULT_MAX_STEP_DOWN}. */
        public Builder maxStepDown(int step) {
            WsClientPoolOptions.checkRange("maxStepDown", step, 1, MAX_STEP_LIMIT);
            this.maxStepDown = step;
            return this;
        }

        /** Least time after a change before a growth, >= 0; default {@value #DEFAULT_GROW_COOLDOWN_MS} ms. */
        public Builder growCooldown(Duration cooldown) {
            this.growCooldown = nonNegative("growCooldown", cooldown);
            return this;
        }

        /** Least time after a change before a shrink, >= 0; default {@value #DEFAULT_SHRINK_COOLDOWN_MS} ms. */
        public Builder shrinkCooldown(Duration cooldown) {
            this.shrinkCooldown = nonNegative("shrinkCooldown", cooldown);
            return this;
        }

        /** The immutable spec; checks that {@code shrinkUtilisation < targetUtilisation} (the hysteresis band). */
        public AdaptiveSizingSpec build() {
            if (shrinkUtilisation >= targetUtilisation) {
                throw new IllegalArgumentException("shrinkUtilisation must be below targetUtilisation (" + targetUtilisation
                        + ") so that the two bands leave room between them, was " + shrinkUtilisation);
            }
            return new AdaptiveSizingSpec(this);
        }
    }
}
