package io.reactivewspool.internal.server;

import java.nio.charset.StandardCharsets;

import io.reactivewspool.message.WsCloseStatus;

/**
 * Which close codes and reasons the application may have the hub send (RFC 6455 section 7.4):
 * the defined codes a server may send, the IANA-registered 1012..1014, and 3000..4999. Not 1004
 * (reserved), 1005, 1006 and 1015 (never on the wire), 1010 (a client's code), nor the unassigned
 * ranges; a reason fits the 123 bytes a close frame has for it.
 */
final class SendableClose {

    /** The most reason bytes a close frame carries (125 of payload less the 2-byte code). */
    static final int MAX_REASON_BYTES = 123;

    private SendableClose() {
    }

    /**
     * The status for {@code code} and {@code reason} ({@code null}: none).
     *
     * @throws IllegalArgumentException naming the code or the reason's length and what is allowed
     */
    static WsCloseStatus of(int code, String reason) {
        if (!sendable(code)) {
            throw new IllegalArgumentException("close code " + code + " may not be sent: use 1000, 1001, 1002, 1003, 1007, "
                    + "1008, 1009, 1011, 1012, 1013, 1014 or 3000..4999 (RFC 6455 section 7.4; 1004, 1005, 1006 and 1015 "
                    + "are reserved or never sent, 1010 is a client's code)");
        }
        String r = reason == null ? "" : reason;
        int bytes = r.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_REASON_BYTES) {
            throw new IllegalArgumentException("close reason must be at most " + MAX_REASON_BYTES
                    + " bytes in UTF-8 (a close frame's limit), was " + bytes);
        }
        return new WsCloseStatus(code, r);
    }

    static boolean sendable(int code) {
        return switch (code) {
            case 1000, 1001, 1002, 1003, 1007, 1008, 1009, 1011, 1012, 1013, 1014 -> true;
            default -> code >= 3000 && code <= 4999;
        };
    }
}
