package io.reactivewspool.broker;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One message between nodes: an already-encoded envelope and where it goes.
 *
 * <p>Targets are a list and cross every broker as a list, never joined into one string: a user id
 * may hold any character (commas included) and must arrive as it was sent.
 *
 * <pre>{@code
 * // one broadcast to the subscribers of two topics: a connection subscribed to both gets it once
 * broker.publish(new BrokerMessage(Kind.TOPIC, List.of("orders", "alerts"), payload, broker.nodeId(), Set.of()));
 * }</pre>
 *
 * @param kind                  what {@code targets} name
 * @param targets               the topics ({@link Kind#TOPIC}: every subscriber of ANY of them, each
 *                              connection once), the user ids ({@link Kind#USER}: every connection
 *                              of any of them), one control verb ({@link Kind#CONTROL}), one
 *                              connection id ({@link Kind#REQUEST}) or one node id
 *                              ({@link Kind#REPLY}); at least
 *                              one, none {@code null}, copied as given (order kept, no splitting)
 * @param payload               the encoded envelope exactly as it goes on the wire; never
 *                              re-encoded, never mutated
 * @param originNodeId          the publishing node's {@link Broker#nodeId()}
 * @param excludedConnectionIds connections that must not receive it (for example the publisher);
 *                              empty when none
 */
public record BrokerMessage(Kind kind, List<String> targets, byte[] payload, String originNodeId,
                            Set<String> excludedConnectionIds) {

    /** What a broker message is addressed to. */
    public enum Kind {
        /** Every subscriber of any of the target topics, each connection once. */
        TOPIC,
        /** Every connection of any of the target users. */
        USER,
        /** A cluster-wide operation (disconnect a user everywhere, stats). */
        CONTROL,
        /**
         * A request of the hub for one connection of another node, waiting for the client's
         * {@code ack}: the target is the connection id; the node holding it answers with a
         * {@link #REPLY}. The payload is the hub's own (a header and the encoded message).
         */
        REQUEST,
        /** The outcome of a {@link #REQUEST}, for the asking node: the target is its node id. */
        REPLY
    }

    /**
     * Checks and copies the parts.
     *
     * @throws IllegalArgumentException when {@code targets} is empty
     * @throws NullPointerException     when a part or a target is {@code null}
     */
    public BrokerMessage {
        Objects.requireNonNull(kind, "kind");
        targets = List.copyOf(Objects.requireNonNull(targets, "targets")); // rejects null elements
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("targets must name at least one " + kind + " target, was empty");
        }
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(originNodeId, "originNodeId");
        excludedConnectionIds = excludedConnectionIds == null ? Set.of() : Set.copyOf(excludedConnectionIds);
    }

    /** A message to one target (a topic, a user id or a control verb). */
    public BrokerMessage(Kind kind, String target, byte[] payload, String originNodeId,
                         Set<String> excludedConnectionIds) {
        this(kind, List.of(Objects.requireNonNull(target, "target")), payload, originNodeId, excludedConnectionIds);
    }
}
