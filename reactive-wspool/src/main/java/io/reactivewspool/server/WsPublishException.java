package io.reactivewspool.server;

import io.reactivewspool.WsException;

/**
 * A {@link WsHub#publish(String, String, Object) publish with an outcome} did not fully happen;
 * {@link #reason()} says which part failed, {@link #localRecipients()} how many connections on
 * this node got the message anyway, and the message names the target and what to do.
 *
 * <pre>{@code
 * hub.publish("orders", "order_created", order)
 *    .retryWhen(Retry.backoff(3, Duration.ofMillis(200))
 *            .filter(e -> e instanceof WsPublishException p && p.reason() == Reason.BROKER_UNAVAILABLE))
 *    .onErrorResume(WsPublishException.class, e -> outbox.save(order).then(Mono.empty()));
 * }</pre>
 */
public class WsPublishException extends WsException {

    private static final long serialVersionUID = 1L;

    /** Which part of a publish failed. */
    public enum Reason {
        /**
         * The {@link TopicPolicy} does not let the sender publish to the topic
         * ({@link WsHub#publishAs}); delivered to nobody.
         */
        FORBIDDEN,
        /**
         * The broker could not take the message (down, timed out, closed): connections on this
         * node got it ({@link #localRecipients()}), other nodes did not. Publishing again delivers
         * it here twice.
         */
        BROKER_UNAVAILABLE,
        /**
         * The topic history could not store the message; only stored messages are delivered, so it
         * reached nobody and was not handed to the broker. Safe to publish again.
         */
        NOT_STORED,
        /**
         * Too many messages of the topic were waiting for the history to store them; refused,
         * delivered to nobody. Safe to publish again once the history keeps up.
         */
        HISTORY_BACKLOG
    }

    private final Reason reason;
    private final String target;
    private final int localRecipients;

    /**
     * @param reason          which part failed
     * @param target          the topic, the topics or the user the message was for
     * @param localRecipients connections on this node that got it anyway
     * @param message         what happened and what to do
     * @param cause           the broker's or the history's error, or {@code null}
     */
    public WsPublishException(Reason reason, String target, int localRecipients, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.target = target;
        this.localRecipients = localRecipients;
    }

    /** Which part of the publish failed. */
    public Reason reason() {
        return reason;
    }

    /** The topic ({@code "orders"}), the topics ({@code "[orders, alerts]"}) or the user id the message was for. */
    public String target() {
        return target;
    }

    /** How many connections on this node got the message anyway (0 unless the broker failed). */
    public int localRecipients() {
        return localRecipients;
    }
}
