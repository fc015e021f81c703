package io.reactivewspool.bench.fanout;

import io.netty.buffer.ByteBuf;

/** Byte search in a delivery frame, so that subscribers find their fields without parsing JSON. */
final class ByteScan {

    private ByteScan() {
    }

    /** Index of {@code key} in {@code buf} between {@code from} and {@code to} (exclusive), or -1. */
    static int indexOf(ByteBuf buf, byte[] key, int from, int to) {
        int last = to - key.length;
        byte first = key[0];
        outer:
        for (int i = from; i <= last; i++) {
            if (buf.getByte(i) != first) {
                continue;
            }
            for (int k = 1; k < key.length; k++) {
                if (buf.getByte(i + k) != key[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** A decimal integer starting at {@code at} after optional spaces; stops at the first non-digit. */
    static long parseLong(ByteBuf buf, int at, int end) {
        int i = at;
        while (i < end && buf.getByte(i) == ' ') {
            i++;
        }
        boolean negative = i < end && buf.getByte(i) == '-';
        if (negative) {
            i++;
        }
        long v = 0;
        for (; i < end; i++) {
            byte c = buf.getByte(i);
            if (c < '0' || c > '9') {
                break;
            }
            v = v * 10 + (c - '0');
        }
        return negative ? -v : v;
    }
}
