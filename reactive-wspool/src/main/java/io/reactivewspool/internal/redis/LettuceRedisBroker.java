package io.reactivewspool.internal.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.event.connection.ConnectedEvent;
import io.lettuce.core.event.connection.ConnectionActivatedEvent;
import io.lettuce.core.event.connection.DisconnectedEvent;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.pubsub.api.reactive.ChannelMessage;
import io.reactivewspool.WsException;
import io.reactivewspool.broker.BrokerMessage;
import io.reactivewspool.broker.redis.RedisBroker;
import io.reactivewspool.broker.redis.RedisBrokerOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.BufferOverflowStrategy;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SynchronousSink;
import reactor.util.retry.Retry;

/**
 * {@link RedisBroker} on Lettuce: one pub/sub connection for the channels this node listens to,
 * one connection for PUBLISH. Lettuce reconnects both and re-subscribes every channel itself.
 *
 * <p>A message to several topics is ONE script call that publishes the same frame on each topic's
 * channel. Redis runs a script without interleaving other commands, so a node subscribed to several
 * of those channels receives the copies back to back on its one connection: it keeps the first and
 * drops the ones that follow with the same origin and id. Every node with interest in any of the
 * topics so gets the message once, whatever its subscriptions did meanwhile.
 *
 * <p>The inbound pipeline never ends while the broker is open: any error in it is counted
 * ({@link Stats#inboundRestarts()}), logged and followed by a resubscription with backoff; while
 * it is down, or while nothing consumes {@link #inbound()}, {@link #isConnected()} is false.
 */
public final class LettuceRedisBroker implements RedisBroker {

    private static final Logger log = LoggerFactory.getLogger(RedisBroker.class);
    private static final long QUIET_PERIOD_MS = 100;
    private static final long SHUTDOWN_TIMEOUT_MS = 2_000;
    private static final Duration INBOUND_BACKOFF_FIRST = Duration.ofMillis(100);
    private static final Duration INBOUND_BACKOFF_MAX = Duration.ofSeconds(5);
    /** ARGV[1] is the frame, ARGV[2..] the channels; returns how many subscribers got a copy. */
    private static final String PUBLISH_EACH = "local n = 0 for i = 2, #ARGV do "
            + "n = n + redis.call('publish', ARGV[i], ARGV[1]) end return n";
    private static final byte[][] NO_KEYS = new byte[0][];

    private final RedisBrokerOptions options;
    private final String where;
    private final RedisClient client;
    private final StatefulRedisPubSubConnection<byte[], byte[]> sub;
    private final StatefulRedisConnection<byte[], byte[]> pub;
    private final byte[] userChannel;
    private final byte[] controlChannel;
    private final String topicChannelPrefix;
    private final Set<String> topics = ConcurrentHashMap.newKeySet();
    private final Flux<BrokerMessage> inbound;
    private final Disposable connectionEvents;
    private final AtomicBoolean publishFailing = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Ids of this node's publishes; a random start so a restarted node never repeats its last id. */
    private final AtomicLong publishIds = new AtomicLong(ThreadLocalRandom.current().nextLong());
    /** Subscribers of {@link #inbound} now; none means nothing from other nodes is consumed. */
    private final AtomicInteger inboundConsumers = new AtomicInteger();
    /** Set while the inbound pipeline waits to resubscribe after an error. */
    private volatile boolean inboundFailed;
    // Read and written only by the inbound pipeline, one message at a time.
    private String lastOrigin;
    private long lastId;

    private final LongAdder published = new LongAdder();
    private final LongAdder publishFailed = new LongAdder();
    private final LongAdder received = new LongAdder();
    private final LongAdder ownIgnored = new LongAdder();
    private final LongAdder inboundDropped = new LongAdder();
    private final LongAdder malformed = new LongAdder();
    private final LongAdder duplicatesDropped = new LongAdder();
    private final LongAdder inboundRestarts = new LongAdder();

    private LettuceRedisBroker(RedisBrokerOptions options, String where, RedisClient client,
                               StatefulRedisPubSubConnection<byte[], byte[]> sub,
                               StatefulRedisConnection<byte[], byte[]> pub) {
        this.options = options;
        this.where = where;
        this.client = client;
        this.sub = sub;
        this.pub = pub;
        String prefix = options.channelPrefix();
        this.userChannel = bytes(prefix + ":u");
        this.controlChannel = bytes(prefix + ":c");
        this.topicChannelPrefix = prefix + ":t:";
        this.inbound = Flux.defer(() -> sub.reactive().observeChannels(FluxSink.OverflowStrategy.BUFFER))
                .onBackpressureBuffer(options.inboundBufferSize(), dropped -> inboundDropped.increment(),
                        BufferOverflowStrategy.DROP_OLDEST)
                .handle(this::accept)
                .doOnSubscribe(s -> inboundFailed = false)
                .doOnError(this::inboundFailed)
                .retryWhen(Retry.backoff(Long.MAX_VALUE, INBOUND_BACKOFF_FIRST).maxBackoff(INBOUND_BACKOFF_MAX)
                        .filter(e -> !closed.get()))
                .share()
                .doOnSubscribe(s -> inboundConsumers.incrementAndGet())
                .doFinally(signal -> inboundConsumers.decrementAndGet());
        this.connectionEvents = client.getResources().eventBus().get()
                .subscribe(event -> {
                    if (event instanceof DisconnectedEvent) {
                        log.warn("redis broker disconnected node={} redis={}", options.nodeId(), where);
                    } else if (event instanceof ConnectedEvent) {
                        log.info("redis broker connected node={} redis={}", options.nodeId(), where);
                    } else if (event instanceof ConnectionActivatedEvent) {
                        resubscribeTopics();
                    }
                });
    }

    /**
     * Lettuce restores the channels Redis confirmed before an outage, but a SUBSCRIBE rejected
     * while Redis was down (a topic whose first local subscriber came then) is forgotten: after
     * every reconnect, subscribe to every topic this node wants again (repeating one is harmless).
     */
    private void resubscribeTopics() {
        if (closed.get() || topics.isEmpty()) {
            return;
        }
        byte[][] channels = topics.stream().map(t -> bytes(topicChannelPrefix + t)).toArray(byte[][]::new);
        // Not on the event-bus thread: during activation Lettuce's endpoint may park the writer briefly.
        // The event may come a moment before the connection takes commands: retry briefly.
        Mono.defer(() -> sub.reactive().subscribe(channels))
                .subscribeOn(reactor.core.scheduler.Schedulers.boundedElastic())
                .retryWhen(reactor.util.retry.Retry.backoff(8, java.time.Duration.ofMillis(50))
                        .maxBackoff(java.time.Duration.ofSeconds(2)).filter(e -> !closed.get()))
                .subscribe(null, e -> log.warn(
                "redis broker could not restore topic channels node={} redis={} topics={} error={}",
                options.nodeId(), where, channels.length, e.toString()),
                () -> log.info("redis broker restored topic channels node={} redis={} topics={}",
                        options.nodeId(), where, channels.length));
    }

    /** Connects both connections and subscribes the user and control channels. */
    public static Mono<RedisBroker> connect(RedisBrokerOptions options) {
        return Mono.defer(() -> {
            RedisURI uri = RedisURI.create(options.uri());
            uri.setTimeout(options.commandTimeout());
            String where = uri.getHost() + ":" + uri.getPort(); // never the password
            RedisClient client = RedisClient.create();
            client.setOptions(ClientOptions.builder()
                    .autoReconnect(true)
                    // Fail publishes at once while Redis is down instead of queueing them without bound.
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .pingBeforeActivateConnection(true)
                    .timeoutOptions(TimeoutOptions.enabled(options.commandTimeout()))
                    .build());
            Mono<StatefulRedisPubSubConnection<byte[], byte[]>> sub =
                    Mono.fromCompletionStage(client.connectPubSubAsync(ByteArrayCodec.INSTANCE, uri));
            Mono<StatefulRedisConnection<byte[], byte[]>> pub =
                    Mono.fromCompletionStage(client.connectAsync(ByteArrayCodec.INSTANCE, uri));
            return Mono.zip(sub, pub)
                    .flatMap(t -> {
                        LettuceRedisBroker broker = new LettuceRedisBroker(options, where, client, t.getT1(), t.getT2());
                        return t.getT1().reactive().subscribe(broker.userChannel, broker.controlChannel)
                                .then(Mono.<RedisBroker>just(broker))
                                .doOnSuccess(b -> log.info("redis broker started node={} redis={} prefix={}",
                                        options.nodeId(), where, options.channelPrefix()));
                    })
                    .onErrorResume(e -> Mono.fromCompletionStage(client.shutdownAsync(QUIET_PERIOD_MS, SHUTDOWN_TIMEOUT_MS, java.util.concurrent.TimeUnit.MILLISECONDS))
                            .onErrorResume(ignored -> Mono.empty())
                            .then(Mono.error(new WsException("redis broker could not connect to " + where
                                    + ": " + e.getMessage() + "; check that redis-server is running there", e))));
        });
    }

    private void inboundFailed(Throwable e) {
        inboundFailed = true;
        inboundRestarts.increment();
        log.error("redis broker inbound failed node={} redis={}: nothing from other nodes is received until it "
                + "resubscribes (backoff from {} ms)", options.nodeId(), where, INBOUND_BACKOFF_FIRST.toMillis(), e);
    }

    private void accept(ChannelMessage<byte[], byte[]> message, SynchronousSink<BrokerMessage> sink) {
        BrokerFrame.Decoded frame;
        try {
            frame = BrokerFrame.decode(message.getMessage());
        } catch (IllegalArgumentException e) {
            malformed.increment();
            log.warn("redis broker ignored a malformed message node={} channel={} reason={}",
                    options.nodeId(), new String(message.getChannel(), StandardCharsets.UTF_8), e.getMessage());
            return;
        }
        BrokerMessage m = frame.message();
        if (options.nodeId().equals(m.originNodeId())) {
            ownIgnored.increment();
            return;
        }
        // The copies of one multi-topic publish arrive back to back (one script): keep the first.
        boolean repeat = frame.id() == lastId && m.originNodeId().equals(lastOrigin);
        lastOrigin = m.originNodeId();
        lastId = frame.id();
        if (repeat && m.targets().size() > 1) {
            duplicatesDropped.increment();
            return;
        }
        received.increment();
        sink.next(m);
    }

    @Override
    public String nodeId() {
        return options.nodeId();
    }

    @Override
    public RedisBrokerOptions options() {
        return options;
    }

    @Override
    public Mono<Void> publish(BrokerMessage message) {
        return Mono.defer(() -> {
            BrokerMessage stamped = options.nodeId().equals(message.originNodeId()) ? message
                    : new BrokerMessage(message.kind(), message.targets(), message.payload(), options.nodeId(),
                    message.excludedConnectionIds());
            byte[] frame = BrokerFrame.encode(stamped, publishIds.incrementAndGet());
            if (message.kind() != BrokerMessage.Kind.TOPIC) {
                return pub.reactive().publish(message.kind() == BrokerMessage.Kind.USER ? userChannel : controlChannel, frame);
            }
            if (message.targets().size() == 1) {
                return pub.reactive().publish(bytes(topicChannelPrefix + message.targets().get(0)), frame);
            }
            byte[][] args = new byte[message.targets().size() + 1][];
            args[0] = frame;
            for (int i = 0; i < message.targets().size(); i++) {
                args[i + 1] = bytes(topicChannelPrefix + message.targets().get(i));
            }
            return pub.reactive().<Long>eval(PUBLISH_EACH, ScriptOutputType.INTEGER, NO_KEYS, args).next();
        }).doOnSuccess(receivers -> {
            published.increment();
            if (publishFailing.compareAndSet(true, false)) {
                log.info("redis broker publishing again node={} redis={}", options.nodeId(), where);
            }
        }).onErrorMap(e -> {
            publishFailed.increment();
            if (publishFailing.compareAndSet(false, true)) {
                // Logged once per outage; the count is in stats().
                log.warn("redis broker publish failed node={} redis={} reason={}; local delivery continues",
                        options.nodeId(), where, e.toString());
            }
            return new WsException("redis broker could not publish to " + where + " (" + e.getMessage()
                    + "); connections on this node still receive it, other nodes do not", e);
        }).then();
    }

    @Override
    public io.reactivewspool.history.TopicHistory history(io.reactivewspool.history.HistoryOptions historyOptions,
                                                           io.reactivewspool.message.WsCodec codec) {
        return new StreamTopicHistory(pub, options.channelPrefix(), historyOptions, codec, java.time.Clock.systemUTC());
    }

    @Override
    public Flux<BrokerMessage> inbound() {
        return inbound;
    }

    @Override
    public Mono<Void> interest(String topic, boolean on) {
        return Mono.defer(() -> {
            byte[] channel = bytes(topicChannelPrefix + topic);
            if (on) {
                topics.add(topic);
                return sub.reactive().subscribe(channel);
            }
            topics.remove(topic);
            return sub.reactive().unsubscribe(channel);
        }).onErrorMap(e -> new WsException("redis broker could not " + (on ? "subscribe to" : "unsubscribe from")
                + " topic '" + topic + "' at " + where + ": " + e.getMessage(), e));
    }

    /** Node {@code nodeId}'s entry of the state {@code name}: {@code {prefix}:s:{name}:{nodeId}}. */
    private byte[] stateKey(String name, String nodeId) {
        return bytes(options.channelPrefix() + ":s:" + name + ":" + nodeId);
    }

    /** The set of node ids that have written an entry of the state {@code name} (expired ones pruned on read). */
    private byte[] stateIndex(String name) {
        return bytes(options.channelPrefix() + ":s:" + name);
    }

    @Override
    public Mono<Void> putNodeState(String name, String json, java.time.Duration ttl) {
        return Mono.defer(() -> {
            long ms = Math.max(1, ttl.toMillis());
            byte[] index = stateIndex(name);
            byte[] node = bytes(options.nodeId());
            return Mono.when(
                    pub.reactive().set(stateKey(name, options.nodeId()), bytes(json), io.lettuce.core.SetArgs.Builder.px(ms)),
                    pub.reactive().sadd(index, node),
                    // The index outlives no live entry: every node's refresh pushes it forward.
                    pub.reactive().pexpire(index, ms));
        });
    }

    @Override
    public Mono<Void> removeNodeState(String name) {
        return Mono.defer(() -> Mono.when(
                pub.reactive().del(stateKey(name, options.nodeId())),
                pub.reactive().srem(stateIndex(name), bytes(options.nodeId()))));
    }

    @Override
    public Mono<java.util.Map<String, String>> nodeStates(String name) {
        return Mono.defer(() -> {
            byte[] index = stateIndex(name);
            return pub.reactive().smembers(index).map(b -> new String(b, StandardCharsets.UTF_8)).collectList()
                    .flatMap(nodes -> {
                        if (nodes.isEmpty()) {
                            return Mono.just(java.util.Map.<String, String>of());
                        }
                        byte[][] keys = nodes.stream().map(n -> stateKey(name, n)).toArray(byte[][]::new);
                        return pub.reactive().mget(keys).collectList().map(values -> {
                            java.util.Map<String, String> out = new java.util.TreeMap<>();
                            java.util.List<byte[]> expired = new java.util.ArrayList<>();
                            for (int i = 0; i < values.size() && i < nodes.size(); i++) {
                                io.lettuce.core.KeyValue<byte[], byte[]> kv = values.get(i);
                                if (kv.hasValue()) {
                                    out.put(nodes.get(i), new String(kv.getValue(), StandardCharsets.UTF_8));
                                } else {
                                    expired.add(bytes(nodes.get(i)));
                                }
                            }
                            if (!expired.isEmpty()) {
                                pub.reactive().srem(index, expired.toArray(byte[][]::new)).subscribe(null, e -> { });
                            }
                            return out;
                        });
                    });
        });
    }

    @Override
    public boolean isConnected() {
        return !closed.get() && sub.isOpen() && pub.isOpen() && inboundConsumers.get() > 0 && !inboundFailed;
    }

    @Override
    public Stats stats() {
        return new Stats(published.sum(), publishFailed.sum(), received.sum(), ownIgnored.sum(),
                inboundDropped.sum(), malformed.sum(), topics.size(), duplicatesDropped.sum(), inboundRestarts.sum());
    }

    @Override
    public Mono<Void> close() {
        return Mono.defer(() -> {
            if (!closed.compareAndSet(false, true)) {
                return Mono.empty();
            }
            connectionEvents.dispose();
            // Connections first, then the client's event loops with a short quiet period: a
            // reconnect attempt's channel still being torn down must be unregistered (Lettuce
            // releases its read buffer there) before the loops stop, or PARANOID reports a leak.
            return Mono.fromCompletionStage(sub.closeAsync())
                    .onErrorResume(e -> Mono.empty())
                    .then(Mono.fromCompletionStage(pub.closeAsync()).onErrorResume(e -> Mono.empty()))
                    .then(Mono.fromCompletionStage(client.shutdownAsync(QUIET_PERIOD_MS, SHUTDOWN_TIMEOUT_MS,
                            java.util.concurrent.TimeUnit.MILLISECONDS)))
                    .doOnSuccess(v -> log.info("redis broker closed node={} redis={}", options.nodeId(), where));
        });
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
