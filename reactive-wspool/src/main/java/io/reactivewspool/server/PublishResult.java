package io.reactivewspool.server;

/**
 * What a {@link WsHub#publish(String, String, Object) publish with an outcome} achieved: the
 * broker accepted the message (it is on its way to the other nodes of a cluster), and it was handed
 * to {@link #localRecipients()} connections on this node; with a topic history
 * ({@link WsHubOptions#history()}) it was stored first, at {@link #offset()}, the same offset its
 * subscribers receive in the message's {@code offset} field.
 *
 * <pre>{@code
 * hub.publish("orders", "order_created", order)
 *    .subscribe(r -> log.info("order {} reached {} local connections, offset {}", order.id(),
 *            r.localRecipients(), r.offset()));
 * }</pre>
 *
 * <p>{@code localRecipients} counts the connections whose outbound queue took the message here
 * (each connection once; in-process {@link WsHub#topic(String)} subscribers are not counted); it says
 * nothing about other nodes, whose share a broker does not report. With a history that the nodes
 * share (Redis), a message held behind another node's message that has not arrived yet counts the
 * topic's local subscribers at the time of the call instead.
 *
 * @param localRecipients connections on this node the message was handed to, {@code >= 0}
 * @param offset          the message's position in the topic's history ({@code EPOCH:SEQUENCE}
 *                        for the built-in histories), or {@code null} when it was not stored: no
 *                        history, or a message to several topics or to a user, which are never stored
 */
public record PublishResult(int localRecipients, String offset) {

    /** @throws IllegalArgumentException when {@code localRecipients} is negative */
    public PublishResult {
        if (localRecipients < 0) {
            throw new IllegalArgumentException("localRecipients must be >= 0, was " + localRecipients);
        }
    }

    /** Whether the message was stored in the topic's history (it has an {@link #offset()}). */
    public boolean stored() {
        return offset != null;
    }

    /**
     * The history's epoch of the offset: it changes when the history is reset (an in-memory
     * history's restart, a Redis history lost or failed over), so offsets of two epochs are not
     * comparable. {@code null} when not stored or when the history's offsets have no epoch.
     */
    public String epoch() {
        int colon = separator();
        return colon < 0 ? null : offset.substring(0, colon);
    }

    /**
     * The message's sequence within its {@link #epoch()}: consecutive per topic (across every node
     * with a Redis history), or {@code -1} when not stored or when the history's offsets have no
     * {@code EPOCH:SEQUENCE} form.
     */
    public long sequence() {
        int colon = separator();
        if (colon < 0) {
            return -1;
        }
        try {
            return Long.parseLong(offset, colon + 1, offset.length(), 10);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private int separator() {
        int colon = offset == null ? -1 : offset.lastIndexOf(':');
        return colon <= 0 || colon == offset.length() - 1 ? -1 : colon;
    }
}
