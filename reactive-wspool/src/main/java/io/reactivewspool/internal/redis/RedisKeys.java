package io.reactivewspool.internal.redis;

import java.nio.charset.StandardCharsets;

/**
 * The names of the broker's channels and keys under one prefix.
 *
 * <p>On one server (or a Sentinel-watched master) they are the names the broker always used:
 * {@code P:t:TOPIC}, {@code P:h:TOPIC}, {@code P:u}, {@code P:nodes}… In a cluster they carry
 * hash tags, chosen for what must share a slot:
 * <ul>
 * <li>a topic's channel and its history keys (stream, counter, epoch, replication id) are tagged
 * with the topic, {@code P:t:{TOPIC}}, {@code P:h:{TOPIC}}…: one append script touches all the
 * keys, and a topic's traffic and history sit on one shard. Topics spread over the shards by
 * name; topic names cannot contain braces, so the tag is always the whole name.</li>
 * <li>the user and control channels and the node-state keys are tagged with the prefix,
 * {@code {P}:u}, {@code {P}:nodes}…: the prune script reads the node index with every node's
 * heartbeat in one call, so they must share a slot (they are few and small).</li>
 * </ul>
 */
final class RedisKeys {

    private final String prefix;
    private final boolean clustered;

    private RedisKeys(String prefix, boolean clustered) {
        this.prefix = prefix;
        this.clustered = clustered;
    }

    /** The names on one server: as the broker has always named them. */
    static RedisKeys standalone(String prefix) {
        return new RedisKeys(prefix, false);
    }

    /** The names in a Redis Cluster, with hash tags. */
    static RedisKeys clustered(String prefix) {
        return new RedisKeys(prefix, true);
    }

    String prefix() {
        return prefix;
    }

    byte[] topicChannel(String topic) {
        return perTopic("t", topic);
    }

    byte[] userChannel() {
        return shared("u");
    }

    byte[] controlChannel() {
        return shared("c");
    }

    /** KEYS of the history scripts: the stream, the counter, the epoch, the replication id of the last append. */
    byte[][] history(String topic) {
        return new byte[][] {perTopic("h", topic), perTopic("hs", topic), perTopic("he", topic), perTopic("hr", topic)};
    }

    byte[] nodeIndex() {
        return shared("nodes");
    }

    byte[] heartbeat(String nodeId) {
        return shared("nh:" + nodeId);
    }

    byte[] mark(String nodeId) {
        return shared("nm:" + nodeId);
    }

    byte[] state(String name, String nodeId) {
        return shared("ns:" + name + ":" + nodeId);
    }

    private byte[] perTopic(String kind, String topic) {
        return bytes(prefix + ":" + kind + ":" + (clustered ? "{" + topic + "}" : topic));
    }

    private byte[] shared(String name) {
        return bytes((clustered ? "{" + prefix + "}" : prefix) + ":" + name);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
