package io.reactivewspool.internal.server;

import java.util.concurrent.atomic.AtomicInteger;

import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.PublishResult;
import io.reactivewspool.server.WsPublishException;
import reactor.core.publisher.MonoSink;

/**
 * One publish with an outcome: joins the local delivery and the broker's answer, which come in
 * either order on any threads, into one {@link PublishResult} or one {@link WsPublishException}.
 */
final class Publication implements PublishOutcome {

    private final MonoSink<PublishResult> sink;
    /** The topic, the topics or the user, as {@link WsPublishException#target()} names them. */
    private final String target;
    /** For messages: {@code topic 'orders'}, {@code topics [a, b]}, {@code user 'alice'}. */
    private final String described;
    /** The two parts still to come: the delivery and the broker's answer. */
    private final AtomicInteger missing = new AtomicInteger(2);
    // written before their decrement of `missing`, read after the last one
    private WsMessage message;
    private int reached;
    private Throwable brokerError;

    /** @param what {@code "topic"}, {@code "topics"} or {@code "user"} */
    Publication(MonoSink<PublishResult> sink, String what, String target) {
        this.sink = sink;
        this.target = target;
        this.described = what + " '" + target + "'";
    }

    @Override
    public void delivered(WsMessage m, int n) {
        message = m;
        reached = n;
        if (missing.decrementAndGet() == 0) {
            settle();
        }
    }

    @Override
    public void brokerAnswered(Throwable error) {
        brokerError = error;
        if (missing.decrementAndGet() == 0) {
            settle();
        }
    }

    @Override
    public void refused(WsPublishException.Reason reason, Throwable cause) {
        String why = reason == WsPublishException.Reason.HISTORY_BACKLOG
                ? "too many messages of the topic (" + HistorySequencer.MAX_PENDING + ") were waiting for the history "
                + "to store them; delivered to nobody: publish it again once the history keeps up"
                : "the topic history could not store it (" + (cause == null ? "no answer" : cause.getMessage())
                + "); only stored messages are delivered, so it reached nobody: publish it again once the history is back";
        sink.error(new WsPublishException(reason, target, 0, "publish to " + described + " failed: " + why, cause));
    }

    private void settle() {
        if (brokerError == null) {
            sink.success(new PublishResult(reached, message.offset()));
            return;
        }
        sink.error(new WsPublishException(WsPublishException.Reason.BROKER_UNAVAILABLE, target, reached,
                "publish to " + described + " failed: the broker did not take it (" + brokerError.getMessage() + "); "
                        + reached + " connection(s) on this node got it, other nodes did not. Publishing again "
                        + "delivers it twice here; check the broker (HubAdmin stats: brokerConnected)",
                brokerError));
    }
}
