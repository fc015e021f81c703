package io.reactivewspool.message;

import java.util.Objects;

/**
 * A WebSocket close code and reason, with the codes the protocol uses as constants.
 *
 * <pre>{@code
 * connection.close(WsCloseStatus.NORMAL.withReason("maintenance"));
 * }</pre>
 *
 * @param code   the close code (1000-4999)
 * @param reason the human-readable reason, never {@code null} (may be empty); at most 123 UTF-8
 *               bytes travel on the wire
 */
public record WsCloseStatus(int code, String reason) {

    /** 1000: normal close, or disconnected by an administrator. */
    public static final WsCloseStatus NORMAL = new WsCloseStatus(1000, "");
    /** 1001: the server is shutting down. */
    public static final WsCloseStatus GOING_AWAY = new WsCloseStatus(1001, "server shutting down");
    /** 1008: policy violation (rate limit exceeded repeatedly, too many bad messages). */
    public static final WsCloseStatus POLICY_VIOLATION = new WsCloseStatus(1008, "policy violation");
    /** 1009: a frame larger than the configured maximum. */
    public static final WsCloseStatus MESSAGE_TOO_BIG = new WsCloseStatus(1009, "frame too large");
    /** 1011: unexpected server error. */
    public static final WsCloseStatus INTERNAL_ERROR = new WsCloseStatus(1011, "internal server error");
    /** 1013: try again later, the connection limit is reached. */
    public static final WsCloseStatus TRY_AGAIN_LATER = new WsCloseStatus(1013, "connection limit reached, try again later");
    /** 4000: no activity within the connection timeout. */
    public static final WsCloseStatus HEARTBEAT_TIMEOUT = new WsCloseStatus(4000, "heartbeat timeout");
    /** 4001: the outbound queue overflowed (slow consumer). */
    public static final WsCloseStatus SLOW_CONSUMER = new WsCloseStatus(4001, "slow consumer: outbound queue overflowed");
    /** 4002: the connection's credentials expired and no {@code refresh} replaced them in time. */
    public static final WsCloseStatus CREDENTIALS_EXPIRED = new WsCloseStatus(4002, "credentials expired: reconnect or refresh with a new token");

    public WsCloseStatus {
        if (code < 1000 || code > 4999) {
            throw new IllegalArgumentException("close code must be between 1000 and 4999, was " + code);
        }
        Objects.requireNonNull(reason, "reason");
    }

    /** The same code with another reason. */
    public WsCloseStatus withReason(String newReason) {
        return new WsCloseStatus(code, newReason == null ? "" : newReason);
    }
}
