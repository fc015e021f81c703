package io.reactivewspool;

/**
 * A connection pool could not hand out a connection: the acquire timed out, too many acquires
 * were already waiting, or the pool is closed. The message names the pool and shows its live
 * state, for example {@code pool 'prices' acquire timed out after 2000ms (size 8/8, idle 0,
 * pending 64/64), last connect error: ConnectException: Connection refused}.
 */
public class WsPoolException extends WsException {

    private static final long serialVersionUID = 1L;

    /** Why the pool refused. */
    public enum Reason {
        /** No connection became available within the acquire timeout. */
        ACQUIRE_TIMEOUT,
        /** The bound on pending acquires was reached; the acquire failed at once. */
        PENDING_LIMIT,
        /** The pool was disposed. */
        CLOSED
    }

    private final String poolName;
    private final Reason reason;

    public WsPoolException(String poolName, Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.poolName = poolName;
        this.reason = reason;
    }

    /** The name of the pool. */
    public String poolName() {
        return poolName;
    }

    /** Why the acquire failed. */
    public Reason reason() {
        return reason;
    }
}
