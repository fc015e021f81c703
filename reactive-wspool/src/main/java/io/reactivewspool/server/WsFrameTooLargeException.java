package io.reactivewspool.server;

import io.reactivewspool.WsException;

/**
 * Signalled by a {@link WsTransport#receive()} when a client's message (a frame, or fragments
 * reassembled) exceeds the transport's limit; the hub then closes the connection with 1009.
 */
public class WsFrameTooLargeException extends WsException {

    private static final long serialVersionUID = 1L;

    public WsFrameTooLargeException(String message, Throwable cause) {
        super(message, cause);
    }
}
