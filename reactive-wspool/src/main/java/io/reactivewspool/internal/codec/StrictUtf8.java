package io.reactivewspool.internal.codec;

/**
 * Well-formed UTF-8 as RFC 3629 defines it: no overlong forms, no surrogates (CESU-8), nothing
 * above U+10FFFF, no truncated sequence. Jackson's parser checks only some of this (a bad
 * continuation byte, but not {@code C0 AF}, an overlong '/'), and RFC 6455 requires text frames
 * to be valid UTF-8.
 */
final class StrictUtf8 {

    private StrictUtf8() {
    }

    /** The index of the first byte that starts an ill-formed sequence, or -1 when all is well-formed. */
    static int firstInvalid(byte[] b, int offset, int length) {
        int end = offset + length;
        int i = offset;
        while (i < end) {
            int c = b[i] & 0xff;
            if (c < 0x80) {
                i++;
                continue;
            }
            int need;
            int min = 0x80;
            int max = 0xBF;
            if (c >= 0xC2 && c <= 0xDF) {
                need = 1;
            } else if (c >= 0xE0 && c <= 0xEF) {
                need = 2;
                if (c == 0xE0) {
                    min = 0xA0;          // overlong below U+0800
                } else if (c == 0xED) {
                    max = 0x9F;          // surrogates U+D800..U+DFFF
                }
            } else if (c >= 0xF0 && c <= 0xF4) {
                need = 3;
                if (c == 0xF0) {
                    min = 0x90;          // overlong below U+10000
                } else if (c == 0xF4) {
                    max = 0x8F;          // above U+10FFFF
                }
            } else {
                return i;                // continuation byte as a start, C0/C1 (overlong), F5..FF
            }
            if (i + need >= end) {
                return i;                // truncated at the end of the frame
            }
            int second = b[i + 1] & 0xff;
            if (second < min || second > max) {
                return i;
            }
            for (int k = 2; k <= need; k++) {
                int cont = b[i + k] & 0xff;
                if (cont < 0x80 || cont > 0xBF) {
                    return i;
                }
            }
            i += need + 1;
        }
        return -1;
    }
}
