package io.reactivewspool.broker;

import java.util.Set;

/** A message between nodes: what it is for, its target, and the encoded envelope. */
public record BrokerMessage(Kind kind, String target, byte[] payload, String originNodeId, Set<String> excludedConnectionIds) {

    /** What the target names. */
    public enum Kind { TOPIC, USER, CONTROL }
}
