package io.reactivewspool.message;

import io.reactivewspool.internal.OptionRange;

/**
 * Limits the JSON codec applies while reading a frame, so that a hostile frame cannot cost
 * unbounded CPU or memory. Immutable; build with {@link #builder()}.
 *
 * <table>
 * <caption>Options and defaults</caption>
 * <tr><th>option</th><th>default</th><th>range</th></tr>
 * <tr><td>maxNestingDepth</td><td>{@value #DEFAULT_MAX_NESTING_DEPTH}</td><td>1..1000</td></tr>
 * <tr><td>maxStringLength (chars)</td><td>{@value #DEFAULT_MAX_STRING_LENGTH}</td><td>&gt;= 1</td></tr>
 * <tr><td>maxNumberLength (digits)</td><td>{@value #DEFAULT_MAX_NUMBER_LENGTH}</td><td>1..10000</td></tr>
 * <tr><td>maxNameLength (chars)</td><td>{@value #DEFAULT_MAX_NAME_LENGTH}</td><td>&gt;= 1</td></tr>
 * <tr><td>maxDocumentLength (bytes)</td><td>{@value #DEFAULT_MAX_DOCUMENT_LENGTH}</td><td>&gt;= 16</td></tr>
 * <tr><td>maxTokenCount</td><td>{@value #DEFAULT_MAX_TOKEN_COUNT}</td><td>&gt;= 16</td></tr>
 * </table>
 *
 * <pre>{@code
 * WsCodec codec = WsCodec.json(JsonCodecOptions.builder().maxNestingDepth(16).build());
 * }</pre>
 */
public final class JsonCodecOptions {

    public static final int DEFAULT_MAX_NESTING_DEPTH = 64;
    public static final int DEFAULT_MAX_STRING_LENGTH = 1_048_576;
    public static final int DEFAULT_MAX_NUMBER_LENGTH = 100;
    public static final int DEFAULT_MAX_NAME_LENGTH = 1024;
    public static final long DEFAULT_MAX_DOCUMENT_LENGTH = 16L * 1024 * 1024;
    public static final long DEFAULT_MAX_TOKEN_COUNT = 1_000_000;

    private static final JsonCodecOptions DEFAULTS = builder().build();

    private final int maxNestingDepth;
    private final int maxStringLength;
    private final int maxNumberLength;
    private final int maxNameLength;
    private final long maxDocumentLength;
    private final long maxTokenCount;

    private JsonCodecOptions(Builder b) {
        this.maxNestingDepth = b.maxNestingDepth;
        this.maxStringLength = b.maxStringLength;
        this.maxNumberLength = b.maxNumberLength;
        this.maxNameLength = b.maxNameLength;
        this.maxDocumentLength = b.maxDocumentLength;
        this.maxTokenCount = b.maxTokenCount;
    }

    /** The defaults. */
    public static JsonCodecOptions defaults() {
        return DEFAULTS;
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder pre-filled with these options. */
    public Builder mutate() {
        return new Builder().maxNestingDepth(maxNestingDepth).maxStringLength(maxStringLength)
                .maxNumberLength(maxNumberLength).maxNameLength(maxNameLength)
                .maxDocumentLength(maxDocumentLength).maxTokenCount(maxTokenCount);
    }

    public int maxNestingDepth() {
        return maxNestingDepth;
    }

    public int maxStringLength() {
        return maxStringLength;
    }

    public int maxNumberLength() {
        return maxNumberLength;
    }

    public int maxNameLength() {
        return maxNameLength;
    }

    public long maxDocumentLength() {
        return maxDocumentLength;
    }

    public long maxTokenCount() {
        return maxTokenCount;
    }

    /** Builds {@link JsonCodecOptions}; each setter checks its value at once. */
    public static final class Builder {
        private int maxNestingDepth = DEFAULT_MAX_NESTING_DEPTH;
        private int maxStringLength = DEFAULT_MAX_STRING_LENGTH;
        private int maxNumberLength = DEFAULT_MAX_NUMBER_LENGTH;
        private int maxNameLength = DEFAULT_MAX_NAME_LENGTH;
        private long maxDocumentLength = DEFAULT_MAX_DOCUMENT_LENGTH;
        private long maxTokenCount = DEFAULT_MAX_TOKEN_COUNT;

        private Builder() {
        }

        public Builder maxNestingDepth(int value) {
            this.maxNestingDepth = OptionRange.between("maxNestingDepth", value, 1, 1000);
            return this;
        }

        public Builder maxStringLength(int value) {
            this.maxStringLength = OptionRange.between("maxStringLength", value, 1, Integer.MAX_VALUE);
            return this;
        }

        public Builder maxNumberLength(int value) {
            this.maxNumberLength = OptionRange.between("maxNumberLength", value, 1, 10_000);
            return this;
        }

        public Builder maxNameLength(int value) {
            this.maxNameLength = OptionRange.between("maxNameLength", value, 1, Integer.MAX_VALUE);
            return this;
        }

        public Builder maxDocumentLength(long value) {
            if (value < 16) {
                throw new IllegalArgumentException("maxDocumentLength must be >= 16, was " + value);
            }
            this.maxDocumentLength = value;
            return this;
        }

        public Builder maxTokenCount(long value) {
            if (value < 16) {
                throw new IllegalArgumentException("maxTokenCount must be >= 16, was " + value);
            }
            this.maxTokenCount = value;
            return this;
        }

        public JsonCodecOptions build() {
            return new JsonCodecOptions(this);
        }
    }
}
