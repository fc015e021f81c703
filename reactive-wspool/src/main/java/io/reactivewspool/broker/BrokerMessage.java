package io.reactivewspool.broker;

import java.util.Objects;
import java.util.Set;

/**
 * One message between nodes: an already-encoded envelope and where it goes.
 *
 * @param kind                  what {@code target} names
 * @param target                the topic ({@link Kind#TOPIC}), the user id ({@link Kind#USER}) or
 *                              a control verb ({@link Kind#CONTROL}). A broadcast to several
 *                              topics at once travels as ONE message whose target joins them with
 *                              {@code ','} (not a topic character), so that a receiving node
 *                              delivers it once to a connection subscribed to several of them
 * @param payload               the encoded envelope exactly as it goes on the wire; never
 *                              re-encoded, never mutated
 * @param originNodeId          the publishing node's {@link Broker#nodeId()}
 * @param excludedConnectionIds connections that must not receive it (for example the publisher);
 *                              empty when none
 */
public record BrokerMessage(Kind kind, String target, byte[] payload, String originNodeId,
                            Set<String> excludedConnectionIds) {

    /** What a broker message is addressed to. */
    public enum Kind {
        /** Every subscriber of a topic. */
        TOPIC,
        /** Every connection of a user. */
        USER,
        /** A cluster-wide operation (disconnect a user everywhere, stats). */
        CONTROL
    }

    public BrokerMessage {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(originNodeId, "originNodeId");
        excludedConnectionIds = excludedConnectionIds == null ? Set.of() : Set.copyOf(excludedConnectionIds);
    }
}
