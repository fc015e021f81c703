package io.reactivewspool.broker.redis;

import io.reactivewspool.broker.Broker;
import io.reactivewspool.history.HistoryOptions;
import io.reactivewspool.history.TopicHistory;
import io.reactivewspool.internal.redis.LettuceRedisBroker;
import io.reactivewspool.message.WsCodec;
import reactor.core.publisher.Mono;

/**
 * A {@link Broker} over Redis pub/sub (Lettuce's reactive API), so that several hub instances
 * share topics, direct user messages and control messages. It runs on one server, on the master
 * that Redis Sentinel names ({@code redis-sentinel://}, followed through failovers) or on a Redis
 * Cluster ({@link RedisBrokerOptions#cluster}: sharded pub/sub, each topic's channel and history
 * on its slot's shard); see {@link RedisBrokerOptions.Topology}.
 *
 * <ul>
 * <li>The encoded envelope crosses Redis as it is; a receiving node never decodes and re-encodes it.</li>
 * <li>A node subscribes to a topic's channel only while it has local subscribers
 * ({@link #interest(String, boolean)}, called by the hub on the first and the last).</li>
 * <li>Messages carry the publishing node's id; a node ignores its own, so nothing is delivered twice.</li>
 * <li>A message to several topics is published on each topic's channel in one atomic script; a
 * node that hears several of those channels keeps the first copy, so it gets the message once and
 * each local connection subscribed to any of the topics gets it once. Targets (topics, user ids)
 * travel as a list in the frame and arrive exactly as sent.</li>
 * <li>{@link #inbound()} resubscribes with backoff after any error (counted in
 * {@link Stats#inboundRestarts()}); {@link #isConnected()} is false while Redis is unreachable,
 * while the inbound pipeline is down, and while nothing consumes {@link #inbound()}.</li>
 * <li>While Redis is unreachable, {@link #publish} fails at once with a
 * {@link io.reactivewspool.WsException} (counted in {@link #stats()}); nothing is buffered.
 * Local delivery is unaffected. When Redis returns, Lettuce reconnects and every channel
 * subscription is restored without a restart.</li>
 * </ul>
 *
 * <p>Requires {@code io.lettuce:lettuce-core} on the class path (an optional dependency of the core).
 *
 * <pre>{@code
 * RedisBroker broker = RedisBroker.connect(RedisBrokerOptions.builder("redis://127.0.0.1:6379").build()).block();
 * WsHub hub = WsHub.create(WsHubOptions.builder().broker(broker).build());
 * }</pre>
 */
public interface RedisBroker extends Broker {

    /**
     * Connects to Redis. The returned {@code Mono} is cold; it fails with a
     * {@link io.reactivewspool.WsException} naming the server when Redis cannot be reached.
     */
    static Mono<RedisBroker> connect(RedisBrokerOptions options) {
        return LettuceRedisBroker.connect(options);
    }

    /**
     * A {@link TopicHistory} kept in a capped Redis Stream per topic, on
     * this broker's connection, shared by every node: offsets are ordered across the cluster.
     * Stored entries are the envelope without its offset, encoded with {@code codec}.
     */
    TopicHistory history(HistoryOptions historyOptions, WsCodec codec);

    /** The options this broker was built with. */
    RedisBrokerOptions options();

    /** Counters since the broker started. */
    Stats stats();

    /**
     * Counters of a {@link RedisBroker}.
     *
     * @param published        messages handed to Redis
     * @param publishFailed    publishes that failed (Redis down, timeout)
     * @param received         messages received from other nodes
     * @param ownIgnored       messages of this node that came back and were ignored
     * @param inboundDropped   messages dropped because the hub did not keep up (bounded inbound buffer)
     * @param malformed        messages on our channels that were not broker frames
     * @param topicChannels    topic channels this node is subscribed to now
     * @param duplicatesDropped copies of a multi-topic message after the first this node received
     *                         (one per further topic of the message this node listens to)
     * @param inboundRestarts  errors that ended the inbound pipeline, each followed by a
     *                         resubscription with backoff; {@link #isConnected()} is false meanwhile
     */
    record Stats(long published, long publishFailed, long received, long ownIgnored, long inboundDropped,
                 long malformed, int topicChannels, long duplicatesDropped, long inboundRestarts) {
    }
}
