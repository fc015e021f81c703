package io.reactivewspool.internal.redis;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
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
import io.reactivewspool.history.HistoryOptions;
import io.reactivewspool.history.TopicHistory;
import io.reactivewspool.message.WsCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.BufferOverflowStrategy;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SynchronousSink;
import reactor.core.scheduler.Schedulers;
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
                .subscribeOn(Schedulers.boundedElastic())
                .retryWhen(Retry.backoff(8, Duration.ofMillis(50))
                        .maxBackoff(Duration.ofSeconds(2)).filter(e -> !closed.get()))
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
                    .onErrorResume(e -> Mono.fromCompletionStage(client.shutdownAsync(QUIET_PERIOD_MS, SHUTDOWN_TIMEOUT_MS, TimeUnit.MILLISECONDS))
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
    public TopicHistory history(HistoryOptions historyOptions,
                                                           WsCodec codec) {
        return new StreamTopicHistory(pub, options.channelPrefix(), historyOptions, codec, Clock.systemUTC());
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

    // ------------------------------------------------------------ node state
    // {prefix}:nodes      set of node ids that have beaten (a dead one is pruned by readers)
    // {prefix}:nh:{node}  the node's heartbeat (PX ttl): readers ignore every entry of a node without it
    // {prefix}:nm:{node}  the node's mark (PX 2 ttl): while it lives, so do the node's entries
    // {prefix}:ns:{name}:{node}  hash, the node's entries of the state {name} by key (PX 2 ttl, or more)
    // The entries outlive the heartbeat, so a node that misses a heartbeat or two (a pause, a slow
    // Redis) comes back with them intact instead of writing every topic again; only a node whose
    // mark is gone (longer silence, or Redis lost its data) is told to write them all again.

    /** Fields per HSET/HDEL: a state of 10,000 topics goes in a few commands of bounded size. */
    private static final int STATE_BATCH = 1_000;
    /** Removes, atomically per node, the index entry of each node whose heartbeat key is absent. */
    private static final String PRUNE = "for i = 1, #ARGV do "
            + "if redis.call('EXISTS', KEYS[i + 1]) == 0 then redis.call('SREM', KEYS[1], ARGV[i]) end end return 0";
    /** Replaces a node's entries of one state at once: ARGV = ttl ms, then key, value, key, value… */
    private static final String REPLACE = "redis.call('DEL', KEYS[1]) "
            + "for i = 2, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end "
            + "redis.call('PEXPIRE', KEYS[1], ARGV[1]) return 0";
    /** The state names this node has written, so that a heartbeat extends all of them. */
    private final Set<String> stateNames = ConcurrentHashMap.newKeySet();

    private byte[] nodeIndex() {
        return bytes(options.channelPrefix() + ":nodes");
    }

    private byte[] heartbeatKey(String nodeId) {
        return bytes(options.channelPrefix() + ":nh:" + nodeId);
    }

    private byte[] markKey(String nodeId) {
        return bytes(options.channelPrefix() + ":nm:" + nodeId);
    }

    private byte[] stateKey(String name, String nodeId) {
        return bytes(options.channelPrefix() + ":ns:" + name + ":" + nodeId);
    }

    /** How long the mark and the entries live: twice the heartbeat's TTL. */
    private static long entryMillis(Duration ttl) {
        return 2 * Math.max(1, ttl.toMillis());
    }

    @Override
    public Mono<Boolean> heartbeat(Duration ttl) {
        return Mono.defer(() -> {
            long ms = Math.max(1, ttl.toMillis());
            long keep = entryMillis(ttl);
            byte[] node = bytes(options.nodeId());
            byte[] mark = markKey(options.nodeId());
            Mono<Void> beat = pub.reactive().set(heartbeatKey(options.nodeId()), node,
                    SetArgs.Builder.px(ms)).then();
            // SET … XX answers nil when the key is gone: the entries may be gone with it.
            Mono<Boolean> intact = pub.reactive().set(mark, node, SetArgs.Builder.px(keep).xx())
                    .map(ok -> true)
                    .switchIfEmpty(Mono.defer(() -> pub.reactive().set(mark, node,
                            SetArgs.Builder.px(keep)).thenReturn(false)));
            return beat.then(intact).flatMap(wasIntact -> {
                List<Mono<?>> extend = new ArrayList<>();
                extend.add(pub.reactive().sadd(nodeIndex(), node));
                extend.add(pub.reactive().pexpire(nodeIndex(), keep)); // pushed forward by every live node
                for (String name : stateNames) {
                    extend.add(pub.reactive().pexpire(stateKey(name, options.nodeId()), keep));
                }
                return Mono.when(extend).thenReturn(wasIntact);
            });
        });
    }

    @Override
    public Mono<Void> putNodeState(String name, Map<String, String> entries,
                                   Collection<String> removed, Duration ttl) {
        return Mono.defer(() -> {
            if (entries.isEmpty() && removed.isEmpty()) {
                return Mono.empty();
            }
            stateNames.add(name);
            byte[] key = stateKey(name, options.nodeId());
            // Issued in this order on the one connection, so Redis applies them in this order.
            List<Mono<?>> writes = new ArrayList<>();
            Map<byte[], byte[]> batch = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : entries.entrySet()) {
                batch.put(bytes(e.getKey()), bytes(e.getValue()));
                if (batch.size() == STATE_BATCH) {
                    writes.add(pub.reactive().hset(key, batch));
                    batch = new LinkedHashMap<>();
                }
            }
            if (!batch.isEmpty()) {
                writes.add(pub.reactive().hset(key, batch));
            }
            List<String> gone = List.copyOf(removed);
            for (int i = 0; i < gone.size(); i += STATE_BATCH) {
                writes.add(pub.reactive().hdel(key, gone.subList(i, Math.min(gone.size(), i + STATE_BATCH)).stream()
                        .map(LettuceRedisBroker::bytes).toArray(byte[][]::new)));
            }
            writes.add(pub.reactive().pexpire(key, entryMillis(ttl)));
            return Mono.when(writes);
        });
    }

    @Override
    public Mono<Void> replaceNodeState(String name, Map<String, String> entries, Duration ttl) {
        return Mono.defer(() -> {
            stateNames.add(name);
            byte[] key = stateKey(name, options.nodeId());
            if (entries.isEmpty()) {
                return pub.reactive().del(key).then();
            }
            byte[][] args = new byte[1 + 2 * entries.size()][];
            args[0] = bytes(Long.toString(entryMillis(ttl)));
            int i = 1;
            for (Map.Entry<String, String> e : entries.entrySet()) {
                args[i++] = bytes(e.getKey());
                args[i++] = bytes(e.getValue());
            }
            // One script: readers see the old entries or the new ones, never a half-written state.
            return pub.reactive().eval(REPLACE, ScriptOutputType.INTEGER, new byte[][] {key}, args).then();
        });
    }

    @Override
    public Mono<Void> removeNodeState() {
        return Mono.defer(() -> {
            List<byte[]> keys = new ArrayList<>();
            keys.add(heartbeatKey(options.nodeId()));
            keys.add(markKey(options.nodeId()));
            stateNames.forEach(name -> keys.add(stateKey(name, options.nodeId())));
            return Mono.when(pub.reactive().del(keys.toArray(byte[][]::new)),
                    pub.reactive().srem(nodeIndex(), bytes(options.nodeId())));
        });
    }

    @Override
    public Mono<Map<String, String>> nodeStates(String name, String key) {
        return Mono.defer(() -> pub.reactive().smembers(nodeIndex()).map(LettuceRedisBroker::string).collectList()
                .flatMap(nodes -> {
                    if (nodes.isEmpty()) {
                        return Mono.just(Map.<String, String>of());
                    }
                    byte[][] beats = nodes.stream().map(this::heartbeatKey).toArray(byte[][]::new);
                    return pub.reactive().mget(beats).collectList().flatMap(values -> {
                        List<String> live = new ArrayList<>();
                        List<String> dead = new ArrayList<>();
                        for (int i = 0; i < values.size() && i < nodes.size(); i++) {
                            (values.get(i).hasValue() ? live : dead).add(nodes.get(i));
                        }
                        prune(dead);
                        byte[] field = bytes(key);
                        return Flux.fromIterable(live)
                                .flatMap(n -> pub.reactive().hget(stateKey(name, n), field)
                                        .map(v -> Map.entry(n, string(v))))
                                .collectMap(Map.Entry::getKey, Map.Entry::getValue,
                                        TreeMap::new);
                    });
                }));
    }

    /** Drops dead nodes from the index; a node that beats again meanwhile keeps its place (the script checks). */
    private void prune(List<String> dead) {
        if (dead.isEmpty()) {
            return;
        }
        byte[][] keys = new byte[dead.size() + 1][];
        keys[0] = nodeIndex();
        for (int i = 0; i < dead.size(); i++) {
            keys[i + 1] = heartbeatKey(dead.get(i));
        }
        byte[][] ids = dead.stream().map(LettuceRedisBroker::bytes).toArray(byte[][]::new);
        pub.reactive().eval(PRUNE, ScriptOutputType.INTEGER, keys, ids).subscribe(null, e -> { });
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
                            TimeUnit.MILLISECONDS)))
                    .doOnSuccess(v -> log.info("redis broker closed node={} redis={}", options.nodeId(), where));
        });
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String string(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
