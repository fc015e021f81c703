package io.reactivewspool.internal.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import io.lettuce.core.event.Event;
import io.lettuce.core.pubsub.api.reactive.ChannelMessage;
import io.reactivewspool.broker.redis.RedisBrokerOptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The broker's two connections to Redis, whatever its topology: one that listens to channels and
 * one for commands. {@link ServerLink} is one server or the master Sentinel names (PUBLISH,
 * SUBSCRIBE); {@link ClusterLink} a Redis Cluster (SPUBLISH, SSUBSCRIBE, each channel on its
 * slot's shard). Lettuce reconnects both and restores the subscriptions Redis confirmed.
 */
interface RedisLink {

    /** Where Redis is, for logs and errors; never the password. */
    String where();

    /** Key commands (history, node state); in a cluster each goes to its key's shard. */
    RedisClusterReactiveCommands<byte[], byte[]> commands();

    /** What arrives on the channels listened to; cold, each subscriber adds a listener until it cancels. */
    Flux<ChannelMessage<byte[], byte[]>> messages();

    Mono<Void> listen(byte[]... channels);

    Mono<Void> unlisten(byte[]... channels);

    Mono<Void> publish(byte[] channel, byte[] frame);

    /** Publishes one frame on several channels. */
    Mono<Void> publishEach(byte[][] channels, byte[] frame);

    /**
     * Whether the copies of one {@link #publishEach} reach a listener back to back (one server runs
     * them in one script, on the listener's one connection); in a cluster they come from several
     * shards, interleaved with other messages.
     */
    boolean copiesBackToBack();

    boolean isOpen();

    /** Lettuce's connection events (connected, activated, disconnected). */
    Flux<Event> events();

    /**
     * Closes both connections, then the client and its event loops; completes within
     * {@link LettuceLink#CLOSE_BOUND} whatever the connections are doing, with every connection of
     * the link closed.
     */
    Mono<Void> close();

    /**
     * The name every connection of this broker gives itself ({@code CLIENT SETNAME}), so that
     * {@code CLIENT LIST} on any Redis node tells which hub node and prefix a connection belongs to:
     * {@code wspool:PREFIX:NODE}, each character Redis refuses in a name (space, control, non-ASCII)
     * as {@code _}. A name the URI already gives ({@code ?clientName=}) is kept.
     */
    static String clientName(RedisBrokerOptions options) {
        StringBuilder name = new StringBuilder("wspool:").append(options.channelPrefix()).append(':');
        options.nodeId().chars().forEach(c -> name.append(c > ' ' && c <= '~' ? (char) c : '_'));
        return name.toString();
    }

    /** What both topologies set: reconnect, time out, never queue without bound. */
    static <B extends ClientOptions.Builder> B configure(B builder, RedisBrokerOptions options) {
        builder.autoReconnect(true)
                .pingBeforeActivateConnection(true)
                .timeoutOptions(TimeoutOptions.enabled(options.commandTimeout()));
        return builder;
    }
}
