package io.reactivewspool.internal.client;

import io.reactivewspool.WsClosedException;

/**
 * A request that never reached the wire: the connection was already closing, or the write of
 * its frame failed. The pool may safely retry such a request on another connection.
 */
public final class RequestNotSentException extends WsClosedException {

    private static final long serialVersionUID = 1L;

    public RequestNotSentException(String message, int code, String reason, Throwable cause) {
        super(message, code, reason);
        if (cause != null) {
            initCause(cause);
        }
    }
}
