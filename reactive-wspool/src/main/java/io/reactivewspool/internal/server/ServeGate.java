package io.reactivewspool.internal.server;

import java.util.concurrent.atomic.AtomicInteger;

import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The close barrier between the hub's {@code serve} and its {@code close()}: a serve enters before
 * it registers its connection and leaves once it has (or a limit refused it); {@link #shut()}
 * refuses every later serve and completes when no serve is inside. A snapshot of the registry taken
 * then holds every connection that found the hub open.
 *
 * <pre>{@code
 * if (!gate.enter()) {
 *     return transport.close(WsCloseStatus.GOING_AWAY);
 * }
 * try {
 *     return register(transport);
 * } finally {
 *     gate.leave();
 * }
 * }</pre>
 *
 * Thread-safe and lock-free.
 */
final class ServeGate {

    private static final int SHUT = Integer.MIN_VALUE;

    // The shut bit and the number of serves inside in one word: "shut and nobody inside" is one
    // value, reached once, by one thread (the last serve to leave, or shut() itself). With a flag
    // and a separate counter, a serve that left could read the count at zero, then, after another
    // serve had entered and close() had turned the flag off, read the flag off and let close() take
    // its snapshot while that other serve was still registering: a connection left open behind close().
    private final AtomicInteger state = new AtomicInteger();
    /** Emptied by exactly one thread, the one that finds the gate shut and empty. */
    private final Sinks.Empty<Void> emptied = Sinks.unsafe().empty();

    /** Lets a serve in; {@code false} once the gate is shut. */
    boolean enter() {
        for (;;) {
            int s = state.get();
            if ((s & SHUT) != 0) {
                return false;
            }
            if (state.compareAndSet(s, s + 1)) {
                return true;
            }
        }
    }

    /** A serve that {@linkplain #enter() entered} is done registering. */
    void leave() {
        if (state.decrementAndGet() == SHUT) {
            emptied.tryEmitEmpty();
        }
    }

    /** {@code false} once the gate is shut. */
    boolean isOpen() {
        return (state.get() & SHUT) == 0;
    }

    /** Shuts the gate (again: no effect); completes once no serve is inside. */
    Mono<Void> shut() {
        if (state.getAndUpdate(s -> s | SHUT) == 0) {
            emptied.tryEmitEmpty();
        }
        return emptied.asMono();
    }
}
