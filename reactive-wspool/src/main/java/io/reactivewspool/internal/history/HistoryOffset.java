package io.reactivewspool.internal.history;

import io.reactivewspool.WsProtocolException;

/**
 * An offset as clients see it: {@code EPOCH:SEQ}. The epoch changes whenever the history is
 * reset (a restart of an in-memory history, an expired Redis stream), so an offset from before
 * the reset is recognised as unrecoverable instead of being compared with unrelated numbers.
 */
public record HistoryOffset(String epoch, long seq) {

    public static HistoryOffset parse(String offset) {
        int colon = offset == null ? -1 : offset.lastIndexOf(':');
        if (colon <= 0 || colon == offset.length() - 1) {
            throw invalid(offset);
        }
        try {
            long seq = Long.parseLong(offset, colon + 1, offset.length(), 10);
            if (seq < 0) {
                throw invalid(offset);
            }
            return new HistoryOffset(offset.substring(0, colon), seq);
        } catch (NumberFormatException e) {
            throw invalid(offset);
        }
    }

    private static WsProtocolException invalid(String offset) {
        String shown = offset == null ? "null" : offset.length() > 64 ? offset.substring(0, 64) + "…" : offset;
        return new WsProtocolException(WsProtocolException.Problem.INVALID_FIELD,
                "data.since must be an offset this server sent you (an \"offset\" field of a topic message), was '"
                        + shown + "'", null);
    }

    @Override
    public String toString() {
        return epoch + ":" + seq;
    }
}
