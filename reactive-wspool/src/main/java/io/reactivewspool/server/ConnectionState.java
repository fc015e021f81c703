package io.reactivewspool.server;

/** The life of a hub connection: CONNECTING → OPEN → CLOSING → CLOSED. */
public enum ConnectionState {
    /** Registered, welcome not yet queued. */
    CONNECTING,
    /** Exchanging messages. */
    OPEN,
    /** A close frame was sent or requested; waiting for the transport to finish. */
    CLOSING,
    /** Closed and removed from the registry. */
    CLOSED
}
