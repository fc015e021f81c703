package io.reactivewspool.server;

import java.time.Duration;

import io.reactivewspool.internal.OptionRange;

/**
 * How {@link WsHub#close()} closes its connections: with 1001, in batches spread over a drain
 * period, so that a thousand clients do not reconnect elsewhere at the same instant. Immutable;
 * part of {@link WsHubOptions#shutdown()}.
 *
 * <table>
 * <caption>Shutdown</caption>
 * <tr><th>option</th><th>default</th><th>range</th></tr>
 * <tr><td>drainPeriod</td><td>{@link #DEFAULT_DRAIN_PERIOD} (2 s)</td><td>0 .. 10 min</td></tr>
 * <tr><td>batchSize</td><td>{@value #DEFAULT_BATCH_SIZE}</td><td>&gt;= 1</td></tr>
 * </table>
 *
 * <pre>{@code
 * ShutdownSpec shutdown = ShutdownSpec.builder().drainPeriod(Duration.ofSeconds(10)).batchSize(500).build();
 * }</pre>
 */
public final class ShutdownSpec {

    /** Default {@code drainPeriod}: 2 s. */
    public static final Duration DEFAULT_DRAIN_PERIOD = Duration.ofSeconds(2);
    public static final int DEFAULT_BATCH_SIZE = 100;

    private static final ShutdownSpec DEFAULTS = builder().build();

    private final Duration drainPeriod;
    private final int batchSize;

    private ShutdownSpec(Builder b) {
        drainPeriod = b.drainPeriod;
        batchSize = b.batchSize;
    }

    /** The default shutdown. */
    public static ShutdownSpec defaults() {
        return DEFAULTS;
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder pre-filled with this shutdown. */
    public Builder mutate() {
        return new Builder().drainPeriod(drainPeriod).batchSize(batchSize);
    }

    /** Over how long a graceful close spreads its 1001 closes. */
    public Duration drainPeriod() {
        return drainPeriod;
    }

    /** How many connections a graceful close closes per batch. */
    public int batchSize() {
        return batchSize;
    }

    /** Builds {@link ShutdownSpec}; every setter checks its range at once. Not thread-safe. */
    public static final class Builder {
        private Duration drainPeriod = DEFAULT_DRAIN_PERIOD;
        private int batchSize = DEFAULT_BATCH_SIZE;

        private Builder() {
        }

        public Builder drainPeriod(Duration v) {
            drainPeriod = OptionRange.between("closeDrainPeriod", v, Duration.ZERO, Duration.ofMinutes(10));
            return this;
        }

        public Builder batchSize(int v) {
            batchSize = OptionRange.atLeast("closeBatchSize", v, 1);
            return this;
        }

        public ShutdownSpec build() {
            return new ShutdownSpec(this);
        }
    }
}
