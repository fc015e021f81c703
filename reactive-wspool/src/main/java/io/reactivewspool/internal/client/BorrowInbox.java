package io.reactivewspool.internal.client;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.function.Supplier;

import io.reactivewspool.message.WsMessage;
import reactor.core.Scannable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * One holder's inbound messages on a {@link DefaultWsConnection}: a waiting {@code sendAndReceive},
 * and a bounded receive buffer made on first need. The event loop delivers; the holder's threads
 * wait and end it. A new borrow gets a new inbox, so nothing of the last one reaches it.
 */
final class BorrowInbox {
    private static final Sinks.EmitFailureHandler RETRY_BRIEFLY = Sinks.EmitFailureHandler.busyLooping(Duration.ofMillis(100));
    @SuppressWarnings("rawtypes")
    static final AtomicReferenceFieldUpdater<BorrowInbox, Sinks.One> WAITER =
            AtomicReferenceFieldUpdater.newUpdater(BorrowInbox.class, Sinks.One.class, "waiter");
    @SuppressWarnings("rawtypes")
    static final AtomicReferenceFieldUpdater<BorrowInbox, Sinks.Many> BUFFER =
            AtomicReferenceFieldUpdater.newUpdater(BorrowInbox.class, Sinks.Many.class, "buffer");

    final int size;
    volatile Sinks.One<WsMessage> waiter;
    volatile Sinks.Many<WsMessage> buffer;
    volatile boolean ended;

    BorrowInbox(int size) {
        this.size = size;
    }

    @SuppressWarnings("unchecked")
    Sinks.Many<WsMessage> buffer() {
        Sinks.Many<WsMessage> b = buffer;
        if (b != null) {
            return b;
        }
        Sinks.Many<WsMessage> fresh = Sinks.many().multicast().onBackpressureBuffer(size, false);
        if (!BUFFER.compareAndSet(this, null, fresh)) {
            return buffer;
        }
        // end() may have looked for a buffer just before this one was in place: complete it then.
        if (ended) {
            fresh.emitComplete(RETRY_BRIEFLY);
        }
        return fresh;
    }

    /** The next message through the buffer, its reader subscribed before {@code send}, so the answer cannot overtake it. */
    Mono<WsMessage> exchangeThroughBuffer(Mono<Void> send, Supplier<? extends Throwable> endedError) {
        Mono<WsMessage> answer = buffer().asFlux().next().switchIfEmpty(Mono.error(endedError));
        return Flux.merge(answer, send.then(Mono.<WsMessage>empty())).next();
    }

    /** Messages waiting in the buffer for a reader. */
    int unread() {
        Sinks.Many<WsMessage> b = buffer;
        if (b == null || b.currentSubscriberCount() > 0) {
            return 0;
        }
        Integer n = b.scan(Scannable.Attr.BUFFERED);
        return n == null ? 0 : n;
    }

    /** Ends this holder: a waiting exchange fails, readers complete; returns the messages nobody read. */
    @SuppressWarnings("unchecked")
    int end(Supplier<? extends Throwable> endedError) {
        ended = true;
        Sinks.One<WsMessage> w = WAITER.getAndSet(this, null);
        if (w != null) {
            // made only for a waiting exchange: an exception per release was a fifth of a borrow's allocation
            w.tryEmitError(endedError.get());
        }
        Sinks.Many<WsMessage> b = buffer;
        if (b == null) {
            return 0;
        }
        int unread = unread();
        b.emitComplete(RETRY_BRIEFLY);
        return unread;
    }

    /** Hands a message to the waiting exchange, or to the buffer; the buffer's result, or OK when the exchange took it alone. */
    @SuppressWarnings("unchecked")
    Sinks.EmitResult deliver(WsMessage msg) {
        Sinks.One<WsMessage> w = waiter;
        // A reader that timed out or was cancelled just now gives the message to the buffer.
        if (w != null && WAITER.compareAndSet(this, w, null) && w.tryEmitValue(msg).isSuccess()) {
            Sinks.Many<WsMessage> b = buffer;
            // receive() subscribers see every message, as they did when sendAndReceive read through them
            if (b == null || b.currentSubscriberCount() == 0) {
                return Sinks.EmitResult.OK;
            }
            return b.tryEmitNext(msg);
        }
        return buffer().tryEmitNext(msg);
    }
}
