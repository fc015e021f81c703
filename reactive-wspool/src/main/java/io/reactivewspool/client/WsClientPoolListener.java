package io.reactivewspool.client;

import java.time.Duration;

/**
 * Receives the raw samples of a {@link WsClientPool}, for metrics: each connect, acquire and
 * {@code pool.request} round trip with its duration, each error with its cause, each change of
 * the adaptive target. Registered with {@link WsClientPool#addListener}; the Micrometer binder
 * ({@code ClientPoolMeterBinder}) is one.
 *
 * <pre>{@code
 * Disposable registration = pool.addListener(new WsClientPoolListener() {
 *     public void onAcquire(Duration wait) { acquireWaits.record(wait); }
 * });
 * }</pre>
 *
 * <p>Methods are called on whatever thread the event happened (often an event loop), must be
 * cheap, must not block and must not throw; every method does nothing by default.
 */
public interface WsClientPoolListener {

    /** Why an operation of the pool failed. */
    enum ErrorCause {
        /** A connect attempt failed (each attempt, retries included; the acquire it failed is not counted again). */
        CONNECT_FAILURE,
        /** An acquire ran out of acquireTimeout. */
        ACQUIRE_TIMEOUT,
        /** An acquire was refused because maxPendingAcquires acquires were waiting. */
        PENDING_LIMIT,
        /** A request got no reply within its timeout. */
        REQUEST_TIMEOUT,
        /** A request failed because its connection closed. */
        CONNECTION_CLOSED,
        /** A connection failed its ping or acquire hook before hand-out, or a background health check. */
        VALIDATION_FAILURE,
        /** Any other failure of an acquire or a request. */
        OTHER
    }

    /** A connection was opened (connect hook included) in {@code duration}. */
    default void onConnect(Duration duration) {
    }

    /** An acquire handed a connection out after waiting {@code wait}. */
    default void onAcquire(Duration wait) {
    }

    /** A {@code pool.request} got its reply after {@code roundTrip}. */
    default void onRequest(Duration roundTrip) {
    }

    /** An operation failed for {@code cause}. */
    default void onError(ErrorCause cause) {
    }

    /** Adaptive sizing moved the target size from {@code previous} to {@code target}. */
    default void onTargetChange(int previous, int target) {
    }
}
