package io.reactivewspool.internal.client;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import io.reactivewspool.RequestNotSentException;
import io.reactivewspool.WsClosedException;
import io.reactivewspool.WsConnectException;
import io.reactivewspool.WsPoolException;
import io.reactivewspool.WsRequestTimeoutException;
import io.reactivewspool.client.WsClientPoolListener;
import io.reactivewspool.client.WsClientPoolListener.ErrorCause;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

/**
 * The pool's listeners and the hook points that feed them. With no listener each hook is one
 * volatile read; a listener that throws is logged and does not disturb the pool.
 */
final class PoolEvents {

    private static final Logger LOG = LoggerFactory.getLogger(PoolEvents.class);
    private static final WsClientPoolListener[] NONE = new WsClientPoolListener[0];

    private final String pool;
    private final AtomicReference<WsClientPoolListener[]> listeners = new AtomicReference<>(NONE);

    PoolEvents(String pool) {
        this.pool = pool;
    }

    Disposable add(WsClientPoolListener listener) {
        listeners.updateAndGet(now -> {
            WsClientPoolListener[] next = Arrays.copyOf(now, now.length + 1);
            next[now.length] = listener;
            return next;
        });
        return () -> listeners.updateAndGet(now -> Arrays.stream(now).filter(l -> l != listener).toArray(WsClientPoolListener[]::new));
    }

    void connected(long nanos) {
        timed(nanos, WsClientPoolListener::onConnect);
    }

    void acquired(long nanos) {
        timed(nanos, WsClientPoolListener::onAcquire);
    }

    void requested(long nanos) {
        timed(nanos, WsClientPoolListener::onRequest);
    }

    /** Tells {@code event} with {@code nanos} as a Duration, made only when there is a listener. */
    private void timed(long nanos, BiConsumer<WsClientPoolListener, Duration> event) {
        WsClientPoolListener[] now = listeners.get();
        if (now.length > 0) {
            Duration d = Duration.ofNanos(nanos);
            fire(now, l -> event.accept(l, d));
        }
    }

    void error(ErrorCause cause) {
        fire(listeners.get(), l -> l.onError(cause));
    }

    /**
     * Counts a failed acquire or request under its cause; one that failed because its connect did
     * is not counted again, each connect attempt was.
     */
    void error(Throwable e) {
        if (listeners.get().length > 0 && !(e instanceof WsConnectException)) {
            error(causeOf(e));
        }
    }

    void targetChanged(int previous, int target) {
        fire(listeners.get(), l -> l.onTargetChange(previous, target));
    }

    private void fire(WsClientPoolListener[] to, Consumer<WsClientPoolListener> event) {
        for (WsClientPoolListener l : to) {
            try {
                event.accept(l);
            } catch (RuntimeException e) {
                LOG.warn("pool listener failed pool={} listener={} error={}", pool, l.getClass().getName(), e.toString());
            }
        }
    }

    static ErrorCause causeOf(Throwable e) {
        if (e instanceof WsPoolException p) {
            return switch (p.reason()) {
                case ACQUIRE_TIMEOUT -> ErrorCause.ACQUIRE_TIMEOUT;
                case PENDING_LIMIT -> ErrorCause.PENDING_LIMIT;
                default -> ErrorCause.OTHER;
            };
        }
        if (e instanceof WsRequestTimeoutException) {
            return ErrorCause.REQUEST_TIMEOUT;
        }
        if (e instanceof WsClosedException) {
            return ErrorCause.CONNECTION_CLOSED;
        }
        return ErrorCause.OTHER;
    }
}
