package io.reactivewspool;

/**
 * A request that never reached the wire: the connection was already closing, or the write of its
 * frame failed. The server cannot have seen it, so it is safe to send again on another connection
 * ({@code WsClientPool.request} does so by itself, up to three times).
 *
 * <pre>{@code
 * connection.request(msg)
 *         .onErrorResume(RequestNotSentException.class, e -> otherConnection.request(msg));
 * }</pre>
 */
public final class RequestNotSentException extends WsClosedException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what was not sent and why
     * @param code the connection's close code (1006 when the socket was lost)
     * @param reason the close reason, empty when none
     * @param cause the write failure, or null
     */
    public RequestNotSentException(String message, int code, String reason, Throwable cause) {
        super(message, code, reason);
        if (cause != null) {
            initCause(cause);
        }
    }
}
