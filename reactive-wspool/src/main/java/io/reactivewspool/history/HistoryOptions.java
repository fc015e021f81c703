package io.reactivewspool.history;

import java.time.Duration;

import io.reactivewspool.internal.OptionRange;

/**
 * Immutable settings of a {@link TopicHistory}: how many messages a topic keeps and for how long.
 *
 * <table>
 * <caption>Options and defaults</caption>
 * <tr><th>option</th><th>default</th><th>range</th></tr>
 * <tr><td>size</td><td>{@value #DEFAULT_SIZE} messages per topic</td><td>1..1,000,000</td></tr>
 * <tr><td>ttl</td><td>{@link #DEFAULT_TTL} (10 minutes)</td><td>&gt; 0</td></tr>
 * </table>
 *
 * <pre>{@code
 * HistoryOptions options = HistoryOptions.builder().size(1000).ttl(Duration.ofMinutes(2)).build();
 * }</pre>
 */
public final class HistoryOptions {

    public static final int DEFAULT_SIZE = 100;
    public static final Duration DEFAULT_TTL = Duration.ofMinutes(10);

    private final int size;
    private final Duration ttl;

    private HistoryOptions(Builder b) {
        this.size = b.size;
        this.ttl = b.ttl;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder mutate() {
        return new Builder().size(size).ttl(ttl);
    }

    /** Messages kept per topic. */
    public int size() {
        return size;
    }

    /** How long a message is kept. */
    public Duration ttl() {
        return ttl;
    }

    /** Builds {@link HistoryOptions}; every setter checks its value at once. */
    public static final class Builder {
        private int size = DEFAULT_SIZE;
        private Duration ttl = DEFAULT_TTL;

        private Builder() {
        }

        public Builder size(int value) {
            this.size = OptionRange.between("size", value, 1, 1_000_000);
            return this;
        }

        public Builder ttl(Duration value) {
            this.ttl = OptionRange.positive("ttl", value);
            return this;
        }

        public HistoryOptions build() {
            return new HistoryOptions(this);
        }
    }
}
