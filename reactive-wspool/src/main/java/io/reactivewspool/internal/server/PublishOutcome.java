package io.reactivewspool.internal.server;

import java.util.function.Consumer;

import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.WsPublishException;

/**
 * What became of one hub message on its way out, told by {@link HubDelivery} and the
 * {@link HistorySequencer}: either {@link #delivered} and {@link #brokerAnswered} once each, in
 * either order and on any thread (a synchronous broker answers before the delivery returns), or
 * {@link #refused} alone.
 */
interface PublishOutcome {

    /** Handed to {@code reached} local connections; {@code message} carries its offset when stored. */
    void delivered(WsMessage message, int reached);

    /** The broker took the message ({@code error == null}) or could not. */
    void brokerAnswered(Throwable error);

    /** Not stored by the history, so delivered nowhere and not handed to the broker. */
    void refused(WsPublishException.Reason reason, Throwable cause);

    /**
     * An outcome that only wants the delivered message, or {@code null} when it was refused (a
     * client's {@code publish} with an {@code id}); the broker's answer is not waited for.
     */
    static PublishOutcome ofDelivery(Consumer<WsMessage> onDelivered) {
        return new PublishOutcome() {
            @Override
            public void delivered(WsMessage message, int reached) {
                onDelivered.accept(message);
            }

            @Override
            public void brokerAnswered(Throwable error) {
            }

            @Override
            public void refused(WsPublishException.Reason reason, Throwable cause) {
                onDelivered.accept(null);
            }
        };
    }
}
