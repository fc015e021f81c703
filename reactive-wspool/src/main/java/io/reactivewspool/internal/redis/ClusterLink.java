package io.reactivewspool.internal.redis;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.pubsub.RedisClusterPubSubAdapter;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.api.reactive.ChannelMessage;
import io.lettuce.core.resource.ClientResources;
import io.reactivewspool.broker.redis.RedisBrokerOptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * {@link RedisLink} to a Redis Cluster with sharded pub/sub: a channel is SSUBSCRIBEd on, and
 * SPUBLISHed to, the master of its slot only, so a topic's traffic stays on its shard instead of
 * crossing every node's cluster bus as a plain PUBLISH does. Lettuce routes each command by its
 * channel's or key's slot and refreshes the slot map periodically and on redirects and
 * disconnects, so it follows a resharding or a replica's promotion.
 */
final class ClusterLink extends LettuceLink<StatefulRedisClusterPubSubConnection<byte[], byte[]>,
        StatefulRedisClusterConnection<byte[], byte[]>> {

    /** How often the slot map is read again when nothing prompted it. */
    static final Duration TOPOLOGY_REFRESH = Duration.ofSeconds(30);
    /**
     * Commands that may wait per shard connection. A cluster client opens each shard's connection
     * on first use, so rejecting commands while a connection is not up yet (as a single server's
     * link does) would fail the first command to every shard: commands wait instead, bounded
     * here and by the command timeout, and fail beyond either.
     */
    static final int REQUEST_QUEUE = 65_536;

    private ClusterLink(String where, ClientResources resources, RedisClusterClient client,
                        StatefulRedisClusterPubSubConnection<byte[], byte[]> sub, StatefulRedisClusterConnection<byte[], byte[]> pub) {
        super(where, resources, client, sub, pub);
    }

    static Mono<RedisLink> connect(RedisBrokerOptions options) {
        return Mono.defer(() -> {
            List<RedisURI> seeds = options.clusterNodes().stream().map(RedisURI::create)
                    .peek(u -> {
                        u.setTimeout(options.commandTimeout());
                        if (u.getClientName() == null) {
                            u.setClientName(RedisLink.clientName(options));
                        }
                    }).toList();
            String where = "cluster " + seeds.stream().map(u -> u.getHost() + ":" + u.getPort())
                    .collect(Collectors.joining(","));
            ClientResources resources = resources();
            RedisClusterClient client = RedisClusterClient.create(resources, seeds);
            client.setOptions(RedisLink.configure(ClusterClientOptions.builder(), options)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS)
                    .requestQueueSize(REQUEST_QUEUE)
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enablePeriodicRefresh(TOPOLOGY_REFRESH)
                            .enableAllAdaptiveRefreshTriggers()
                            .build())
                    .build());
            // The asynchronous connects need the slot map read first, and Lettuce reads the first one
            // only blocking: on a thread that may block.
            return Mono.fromRunnable(client::getPartitions).subscribeOn(Schedulers.boundedElastic())
                    .then(Mono.fromCompletionStage(() -> client.connectAsync(ByteArrayCodec.INSTANCE)))
                    .flatMap(pub -> Mono.fromCompletionStage(() -> client.connectPubSubAsync(ByteArrayCodec.INSTANCE))
                            .<RedisLink>map(sub -> new ClusterLink(where, resources, client, sub, pub)))
                    // The client's shutdown closes the command connection if it was made.
                    .onErrorResume(e -> release(where, client, resources).then(Mono.error(new LinkFailure(where, e))));
        });
    }

    @Override
    public RedisClusterReactiveCommands<byte[], byte[]> commands() {
        return pub.reactive();
    }

    @Override
    public Flux<ChannelMessage<byte[], byte[]>> messages() {
        // Sharded messages reach the cluster listeners (observeChannels hears only plain ones).
        return Flux.create(sink -> {
            RedisClusterPubSubAdapter<byte[], byte[]> listener = new RedisClusterPubSubAdapter<>() {
                @Override
                public void smessage(RedisClusterNode node, byte[] channel, byte[] message) {
                    sink.next(new ChannelMessage<>(channel, message));
                }
            };
            sub.addListener(listener);
            sink.onDispose(() -> sub.removeListener(listener));
        }, FluxSink.OverflowStrategy.BUFFER);
    }

    @Override
    public Mono<Void> listen(byte[]... channels) {
        // One command per channel: SSUBSCRIBE takes channels of one slot only.
        return Flux.fromArray(channels).flatMap(c -> sub.reactive().ssubscribe(c)).then();
    }

    @Override
    public Mono<Void> unlisten(byte[]... channels) {
        return Flux.fromArray(channels).flatMap(c -> sub.reactive().sunsubscribe(c)).then();
    }

    @Override
    public Mono<Void> publish(byte[] channel, byte[] frame) {
        return pub.reactive().spublish(channel, frame).then();
    }

    @Override
    public Mono<Void> publishEach(byte[][] channels, byte[] frame) {
        return Flux.fromArray(channels).flatMap(c -> pub.reactive().spublish(c, frame)).then();
    }

    @Override
    public boolean copiesBackToBack() {
        return false;
    }
}
