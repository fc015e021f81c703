package io.reactivewspool.internal.server;

import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

import io.reactivewspool.message.WsCodec;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.publisher.Operators;

/**
 * One connection's subscription to one topic's sink, and the only object between the sink and
 * the connection's outbound queue: a broadcast to 10,000 connections visits 10,000 of these, and
 * each separate object on that path is one more cache miss per delivery. It keeps what the hot
 * path reads (the id's hash for the exclusion check, the queue) and reaches the connection only
 * when the queue refuses a frame.
 */
final class TopicSubscriber implements CoreSubscriber<TopicEvent>, Disposable {

    private static final AtomicReferenceFieldUpdater<TopicSubscriber, Subscription> SUBSCRIPTION =
            AtomicReferenceFieldUpdater.newUpdater(TopicSubscriber.class, Subscription.class, "subscription");

    private final HubConnection connection;
    private final OutboundQueue queue;
    private final WsCodec codec;
    private final String id;
    private final int idHash;
    private volatile Subscription subscription;

    TopicSubscriber(HubConnection connection, int idHash) {
        this.connection = connection;
        this.queue = connection.queue;
        this.codec = connection.codec;
        this.id = connection.id;
        this.idHash = idHash;
    }

    @Override
    public void onSubscribe(Subscription s) {
        if (Operators.setOnce(SUBSCRIPTION, this, s)) {
            // The sink never waits for a subscriber: the connection's bounded queue applies its policy.
            s.request(Long.MAX_VALUE);
        }
    }

    @Override
    public void onNext(TopicEvent event) {
        if (!event.admits(id, idHash)) {
            return;
        }
        OutboundQueue.Offer result = queue.offer(event.frameFor(codec));
        if (result == OutboundQueue.Offer.QUEUED || connection.offered(result)) {
            event.countReached();
        }
    }

    @Override
    public void onError(Throwable t) {
        // Topic sinks complete and never fail; anything else is a bug worth a log line.
        Operators.onErrorDropped(t, currentContext());
    }

    @Override
    public void onComplete() {
        // The topic lost its last subscriber while this one was leaving: nothing to do.
    }

    @Override
    public void dispose() {
        Operators.terminate(SUBSCRIPTION, this);
    }

    @Override
    public boolean isDisposed() {
        return subscription == Operators.cancelledSubscription();
    }
}
