package io.reactivewspool.internal.server;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

import io.reactivewspool.message.WsCloseStatus;
import io.reactivewspool.server.InboundFrame;
import io.reactivewspool.server.WsFrameTooLargeException;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;

/**
 * Runs one served {@link HubConnection} over its transport: the hub's subscriber to the
 * transport's frames and to its send, and the {@code Mono} that {@code serve} returns, which completes once the connection is
 * unregistered. One object instead of an operator chain ({@code doOnNext}, {@code then},
 * {@code onErrorResume}, {@code doFinally} and a lambda subscriber for the send): an idle
 * connection keeps it for its whole life, and each operator is one more object per connection.
 */
final class TransportPump extends Mono<Void> implements CoreSubscriber<InboundFrame>, Subscription {

    // The hub's category: what a connection logs stays under one logger name for users' log configuration.
    private static final Logger log = LoggerFactory.getLogger(DefaultWsHub.class);
    private static final AtomicReferenceFieldUpdater<TransportPump, Subscription> INBOUND =
            AtomicReferenceFieldUpdater.newUpdater(TransportPump.class, Subscription.class, "inbound");
    private static final AtomicIntegerFieldUpdater<TransportPump> FINISHED =
            AtomicIntegerFieldUpdater.newUpdater(TransportPump.class, "finished");
    private static final AtomicIntegerFieldUpdater<TransportPump> SUBSCRIBED =
            AtomicIntegerFieldUpdater.newUpdater(TransportPump.class, "subscribed");

    private final HubConnection connection;
    private final ConnectionHost host;
    private final ProtocolDispatcher dispatcher;
    private final Sending sending;
    private volatile Subscription inbound;
    private volatile int finished;
    private volatile int subscribed;
    private CoreSubscriber<? super Void> actual;

    TransportPump(HubConnection connection, ConnectionHost host, ProtocolDispatcher dispatcher) {
        this.connection = connection;
        this.host = host;
        this.dispatcher = dispatcher;
        this.sending = new Sending(connection, host);
    }

    /** Starts writing the connection's queue to its transport. */
    void startSending() {
        connection.transport.send(connection.queue).subscribe(sending);
    }

    @Override
    public void subscribe(CoreSubscriber<? super Void> subscriber) {
        if (SUBSCRIBED.getAndIncrement(this) != 0) {
            Operators.error(subscriber, new IllegalStateException("a served connection runs once"));
            return;
        }
        actual = subscriber;
        subscriber.onSubscribe(this);
        connection.transport.receive().subscribe(this);
    }

    // ------------------------------------------------------------ the transport's frames

    @Override
    public void onSubscribe(Subscription s) {
        if (Operators.setOnce(INBOUND, this, s)) {
            s.request(Long.MAX_VALUE);
        }
    }

    @Override
    public void onNext(InboundFrame frame) {
        if (finished != 0) {
            return;
        }
        try {
            dispatcher.onFrame(connection, frame);
        } catch (RuntimeException e) {
            Operators.terminate(INBOUND, this);
            onError(e);
        }
    }

    @Override
    public void onError(Throwable e) {
        if (finished != 0) {
            Operators.onErrorDropped(e, currentContext());
            return;
        }
        if (e instanceof WsFrameTooLargeException) {
            int max = host.options().limits().maxFrameBytes();
            log.info("frame too large conn={} user={} max={}", connection.id, connection.userId, max);
            connection.close(WsCloseStatus.MESSAGE_TOO_BIG.withReason("message larger than " + max + " bytes"))
                    .subscribe(null, closeFailed -> finish(true, "frame_too_large", WsCloseStatus.MESSAGE_TOO_BIG),
                            () -> finish(true, "frame_too_large", WsCloseStatus.MESSAGE_TOO_BIG));
            return;
        }
        log.debug("connection failed conn={} user={} error={}", connection.id, connection.userId, e.toString());
        finish(true, "transport_failed", WsCloseStatus.INTERNAL_ERROR);
    }

    @Override
    public void onComplete() {
        // The peer closed or the connection dropped: the transport is closing itself (WsTransport's contract).
        finish(true, "transport_closed", null);
    }

    // ------------------------------------------------------------ serve's subscriber

    @Override
    public void request(long n) {
        // Mono<Void>: nothing to emit, completion needs no demand.
    }

    @Override
    public void cancel() {
        Operators.terminate(INBOUND, this);
        finish(false, "serve_cancelled", WsCloseStatus.GOING_AWAY);
    }

    /**
     * Ends the session once: unregisters the connection, which closes its transport with
     * {@code ifOpen} unless the hub already had or {@code ifOpen} is null (the transport ended
     * itself), and completes serve's {@code Mono} when {@code signal}.
     */
    private void finish(boolean signal, String why, WsCloseStatus ifOpen) {
        if (!FINISHED.compareAndSet(this, 0, 1)) {
            return;
        }
        try {
            host.unregister(connection, why, ifOpen);
        } finally {
            sending.dispose();
            if (signal) {
                actual.onComplete();
            }
        }
    }

    /** The subscriber to the transport's send: counts a failure, and cancels it when the session ends. */
    private static final class Sending implements CoreSubscriber<Void> {

        private static final AtomicReferenceFieldUpdater<Sending, Subscription> SUBSCRIPTION =
                AtomicReferenceFieldUpdater.newUpdater(Sending.class, Subscription.class, "subscription");

        private final HubConnection connection;
        private final ConnectionHost host;
        private volatile Subscription subscription;

        Sending(HubConnection connection, ConnectionHost host) {
            this.connection = connection;
            this.host = host;
        }

        @Override
        public void onSubscribe(Subscription s) {
            if (Operators.setOnce(SUBSCRIPTION, this, s)) {
                s.request(Long.MAX_VALUE);
            }
        }

        @Override
        public void onNext(Void v) {
        }

        @Override
        public void onError(Throwable e) {
            HubConnection.FAILED.incrementAndGet(connection);
            host.counters().failed.increment();
            if (host.errorLog().acquire() >= 0) {
                log.warn("send failed conn={} user={} error={}", connection.id, connection.userId, e.toString());
            }
        }

        @Override
        public void onComplete() {
        }

        void dispose() {
            Operators.terminate(SUBSCRIPTION, this);
        }
    }
}
