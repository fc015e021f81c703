package io.reactivewspool;

/**
 * The connection was closed, or closed while an operation was in flight: a request waiting for
 * its reply, a ping waiting for its pong, a send. Carries the close code and reason (1006 when
 * the socket was lost without a close frame).
 *
 * <pre>{@code
 * connection.request(msg).onErrorResume(WsClosedException.class, e -> retryElsewhere(e.code()));
 * }</pre>
 */
public class WsClosedException extends WsException {

    private static final long serialVersionUID = 1L;

    private final int code;
    private final String reason;

    public WsClosedException(String message, int code, String reason) {
        super(message + " (close code " + code + (reason == null || reason.isEmpty() ? "" : ", reason '" + reason + "'") + ")");
        this.code = code;
        this.reason = reason == null ? "" : reason;
    }

    /** The WebSocket close code. */
    public int code() {
        return code;
    }

    /** The close reason; empty when none was given. */
    public String reason() {
        return reason;
    }
}
