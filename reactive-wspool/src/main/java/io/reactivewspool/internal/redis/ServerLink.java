package io.reactivewspool.internal.redis;

import java.util.stream.Collectors;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.pubsub.api.reactive.ChannelMessage;
import io.lettuce.core.resource.ClientResources;
import io.reactivewspool.broker.redis.RedisBrokerOptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;

/**
 * {@link RedisLink} to one server, or to the master that Redis Sentinel names
 * ({@code redis-sentinel://}): Lettuce asks the Sentinels for the master's address at every
 * (re)connect, so after a failover the connections reconnect to the promoted replica.
 */
final class ServerLink extends LettuceLink<StatefulRedisPubSubConnection<byte[], byte[]>, StatefulRedisConnection<byte[], byte[]>> {

    /** ARGV[1] is the frame, ARGV[2..] the channels; returns how many subscribers got a copy. */
    private static final String PUBLISH_EACH = "local n = 0 for i = 2, #ARGV do "
            + "n = n + redis.call('publish', ARGV[i], ARGV[1]) end return n";
    private static final byte[][] NO_KEYS = new byte[0][];

    private ServerLink(String where, ClientResources resources, RedisClient client,
                       StatefulRedisPubSubConnection<byte[], byte[]> sub, StatefulRedisConnection<byte[], byte[]> pub) {
        super(where, resources, client, sub, pub);
    }

    static Mono<RedisLink> connect(RedisBrokerOptions options) {
        return Mono.defer(() -> {
            RedisURI uri = RedisURI.create(options.uri());
            uri.setTimeout(options.commandTimeout());
            if (uri.getClientName() == null) {
                uri.setClientName(RedisLink.clientName(options));
            }
            String where = where(uri);
            ClientResources resources = resources();
            RedisClient client = RedisClient.create(resources);
            client.setOptions(RedisLink.configure(ClientOptions.builder(), options)
                    // Fail publishes at once while Redis is down instead of queueing them without bound.
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .build());
            return Mono.zip(Mono.fromCompletionStage(client.connectPubSubAsync(ByteArrayCodec.INSTANCE, uri)),
                            Mono.fromCompletionStage(client.connectAsync(ByteArrayCodec.INSTANCE, uri)))
                    .<RedisLink>map(t -> new ServerLink(where, resources, client, t.getT1(), t.getT2()))
                    .onErrorResume(e -> release(where, client, resources).then(Mono.error(new LinkFailure(where, e))));
        });
    }

    private static String where(RedisURI uri) {
        if (uri.getSentinels().isEmpty()) {
            return uri.getHost() + ":" + uri.getPort();
        }
        return "master '" + uri.getSentinelMasterId() + "' of sentinels " + uri.getSentinels().stream()
                .map(s -> s.getHost() + ":" + s.getPort()).collect(Collectors.joining(","));
    }

    @Override
    public RedisClusterReactiveCommands<byte[], byte[]> commands() {
        return pub.reactive();
    }

    @Override
    public Flux<ChannelMessage<byte[], byte[]>> messages() {
        return Flux.defer(() -> sub.reactive().observeChannels(FluxSink.OverflowStrategy.BUFFER));
    }

    @Override
    public Mono<Void> listen(byte[]... channels) {
        return sub.reactive().subscribe(channels);
    }

    @Override
    public Mono<Void> unlisten(byte[]... channels) {
        return sub.reactive().unsubscribe(channels);
    }

    @Override
    public Mono<Void> publish(byte[] channel, byte[] frame) {
        return pub.reactive().publish(channel, frame).then();
    }

    @Override
    public Mono<Void> publishEach(byte[][] channels, byte[] frame) {
        byte[][] args = new byte[channels.length + 1][];
        args[0] = frame;
        System.arraycopy(channels, 0, args, 1, channels.length);
        return pub.reactive().<Long>eval(PUBLISH_EACH, ScriptOutputType.INTEGER, NO_KEYS, args).then();
    }

    @Override
    public boolean copiesBackToBack() {
        return true;
    }
}
