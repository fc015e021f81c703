package io.reactivewspool;

import java.time.Duration;

/**
 * No reply carrying the request's {@code id} arrived within the request timeout. Only that
 * request fails; the connection and the other requests in flight on it are not affected. A
 * reply that arrives later is dropped (and counted).
 */
public class WsRequestTimeoutException extends WsException {

    private static final long serialVersionUID = 1L;

    private final String requestId;
    private final Duration timeout;

    public WsRequestTimeoutException(String where, String requestId, Duration timeout) {
        super(where + ": no reply to request id '" + requestId + "' within " + timeout.toMillis() + "ms");
        this.requestId = requestId;
        this.timeout = timeout;
    }

    /** The {@code id} of the request that timed out. */
    public String requestId() {
        return requestId;
    }

    /** The timeout that expired. */
    public Duration timeout() {
        return timeout;
    }
}
