package io.reactivewspool.internal;

import java.time.Duration;
import java.util.Objects;

/**
 * The one check of an option's range, for every options builder: the error names the field, the
 * range and the value ({@code "maxConnections must be >= 1, was 0"}), so every builder words it
 * the same way.
 */
public final class OptionRange {

    private OptionRange() {
    }

    /** {@code v}, or an {@link IllegalArgumentException} when it is below {@code min}. */
    public static int atLeast(String field, int v, int min) {
        if (v < min) {
            throw new IllegalArgumentException(field + " must be >= " + min + ", was " + v);
        }
        return v;
    }

    /** {@code v}, or an {@link IllegalArgumentException} when it is outside {@code min .. max}. */
    public static int between(String field, int v, int min, int max) {
        if (v < min || v > max) {
            throw new IllegalArgumentException(field + " must be between " + min + " and " + max + ", was " + v);
        }
        return v;
    }

    /** {@code v}, or a {@link NullPointerException} naming the field, or an {@link IllegalArgumentException} below {@code min}. */
    public static Duration atLeast(String field, Duration v, Duration min) {
        Objects.requireNonNull(v, field);
        if (v.compareTo(min) < 0) {
            throw new IllegalArgumentException(field + " must be >= " + (min.isZero() ? "0" : min) + ", was " + v);
        }
        return v;
    }

    /** {@code v}, or a {@link NullPointerException} naming the field, or an {@link IllegalArgumentException} unless it is above zero. */
    public static Duration positive(String field, Duration v) {
        Objects.requireNonNull(v, field);
        if (v.isZero() || v.isNegative()) {
            throw new IllegalArgumentException(field + " must be > 0, was " + v);
        }
        return v;
    }

    /** {@code v}, or a {@link NullPointerException} naming the field, or an {@link IllegalArgumentException} outside {@code min .. max}. */
    public static Duration between(String field, Duration v, Duration min, Duration max) {
        Objects.requireNonNull(v, field);
        if (v.compareTo(min) < 0 || v.compareTo(max) > 0) {
            throw new IllegalArgumentException(field + " must be between " + (min.isZero() ? "0" : min) + " and " + max
                    + ", was " + v);
        }
        return v;
    }
}
