package io.reactivewspool.client;

import java.time.Duration;
import java.util.function.Function;

import io.reactivewspool.internal.client.DefaultWsClientPool;
import io.reactivewspool.message.WsMessage;
import org.reactivestreams.Publisher;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A pool of WebSocket connections to one URL, built on reactor-pool. Callers borrow a connection
 * ({@link #acquire()}, {@link #withConnection}) or let the pool pick one for a request/reply
 * ({@link #request}). The pool keeps between min and max connections open, opens new ones with
 * jittered exponential backoff, pings them in the background, rotates them after their lifetime,
 * closes idle ones above the minimum, and never hands out a connection that is closed, errored
 * or failed its health check.
 *
 * <pre>{@code
 * WsClientPool pool = WsClientPool.create(WsClientPoolOptions.builder("ws://quotes.internal/ws")
 *         .name("quotes").minConnections(2).maxConnections(8).build());
 * Mono<WsMessage> quote = pool.request(WsMessage.of("quote", "prices", Map.of("sym", "ACME")));
 * pool.disposeLater().block();
 * }</pre>
 *
 * <p>Thread-safe. Every method returning a publisher is cold. Errors are {@code WsException}s:
 * {@code WsPoolException} (acquire timeout with the pool's state and the last connect error,
 * pending limit, closed), {@code WsConnectException}, {@code WsClosedException},
 * {@code WsRequestTimeoutException}.
 */
public interface WsClientPool {

    /** A pool with the given options; warms up to minConnections in the background when configured. */
    static WsClientPool create(WsClientPoolOptions options) {
        return new DefaultWsClientPool(options);
    }

    /** The pool's name. */
    String name();

    /** The options the pool was built with (min and max as built; see {@link #metrics()} after {@link #resize}). */
    WsClientPoolOptions options();

    /**
     * Borrows a connection: an idle one (pinged first when it was idle longer than
     * validateAfterIdle), or a new one when the pool is below max. Fails with a
     * {@code WsPoolException} after the acquire timeout, or at once when maxPendingAcquires
     * acquires are already waiting. Cancelling gives the connection back.
     */
    Mono<PooledWsConnection> acquire();

    /**
     * Borrows a connection for the publisher {@code work} returns and gives it back when that
     * publisher completes, fails or is cancelled.
     */
    <T> Flux<T> withConnection(Function<? super WsConnection, ? extends Publisher<T>> work);

    /**
     * Sends a request on the open connection with the fewest requests in flight (many requests
     * share a connection) and completes with its reply, with the client's request timeout. When
     * the request could not be sent at all (the connection had just closed) it is tried on
     * another connection; once sent it is never repeated.
     */
    Mono<WsMessage> request(WsMessage message);

    /** As {@link #request(WsMessage)} with an explicit reply timeout. */
    Mono<WsMessage> request(WsMessage message, Duration timeout);

    /**
     * Changes the sizes at runtime: the pool opens connections up to the new minimum, and closes
     * connections above the new maximum as they become idle. With adaptive sizing on, these are
     * the new bounds of its target. Throws
     * {@link IllegalArgumentException} for sizes outside the options' ranges.
     */
    void resize(int minConnections, int maxConnections);

    /** A snapshot of sizes and counters. */
    WsClientPoolMetrics metrics();

    /**
     * Registers a listener of the pool's raw samples (connect, acquire and request durations,
     * errors by cause, adaptive target changes); disposing the result removes it.
     */
    Disposable addListener(WsClientPoolListener listener);

    /**
     * Closes the pool: pending acquires fail, every connection is closed with 1000 (borrowed ones
     * too), background tasks stop. Completes when every connection is closed. Idempotent.
     */
    Mono<Void> disposeLater();
}
