package io.reactivewspool.internal.redis;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
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
import java.util.function.Supplier;

import io.lettuce.core.event.connection.ConnectedEvent;
import io.lettuce.core.event.connection.ConnectionActivatedEvent;
import io.lettuce.core.event.connection.DisconnectedEvent;
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
import reactor.core.publisher.Mono;
import reactor.core.publisher.SynchronousSink;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/**
 * {@link RedisBroker} on Lettuce, over a {@link RedisLink}: one server or a Sentinel-watched
 * master ({@link ServerLink}), or a Redis Cluster with sharded pub/sub ({@link ClusterLink}).
 * Lettuce reconnects both connections and re-subscribes every channel itself.
 *
 * <p>A message to several topics is published on each topic's channel. On one server that is ONE
 * script call: Redis runs a script without interleaving other commands, so a node subscribed to
 * several of those channels receives the copies back to back on its one connection and keeps the
 * first. In a cluster the copies come from several shards, interleaved with other traffic: a node
 * keeps the ids of the last 4,096 multi-topic messages it delivered and
 * drops a copy it has already seen. Every node with interest in any of the topics so gets the
 * message once, whatever its subscriptions did meanwhile.
 *
 * <p>The inbound pipeline never ends while the broker is open: any error in it is counted
 * ({@link Stats#inboundRestarts()}), logged and followed by a resubscription with backoff; while
 * it is down, or while nothing consumes {@link #inbound()}, {@link #isConnected()} is false.
 */
public final class LettuceRedisBroker implements RedisBroker {

    private static final Logger log = LoggerFactory.getLogger(RedisBroker.class);
    private static final Duration INBOUND_BACKOFF_FIRST = Duration.ofMillis(100);
    private static final Duration INBOUND_BACKOFF_MAX = Duration.ofSeconds(5);
    /** Multi-topic message ids remembered per node in a cluster, to drop the copies of other shards. */
    static final int RECENT_MULTI_TOPIC = 4096;

    private final RedisBrokerOptions options;
    private final RedisLink link;
    private final String where;
    private final RedisKeys keys;
    private final RedisNodeState nodeState;
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
    private final Map<String, Boolean> recentMultiTopic = new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > RECENT_MULTI_TOPIC;
        }
    };

    private final LongAdder published = new LongAdder();
    private final LongAdder publishFailed = new LongAdder();
    private final LongAdder received = new LongAdder();
    private final LongAdder ownIgnored = new LongAdder();
    private final LongAdder inboundDropped = new LongAdder();
    private final LongAdder malformed = new LongAdder();
    private final LongAdder duplicatesDropped = new LongAdder();
    private final LongAdder inboundRestarts = new LongAdder();

    private LettuceRedisBroker(RedisBrokerOptions options, RedisLink link, RedisKeys keys) {
        this.options = options;
        this.link = link;
        this.where = link.where();
        this.keys = keys;
        this.nodeState = new RedisNodeState(link.commands(), keys, options.nodeId());
        this.inbound = link.messages()
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
        this.connectionEvents = link.events()
                .subscribe(event -> {
                    if (event instanceof DisconnectedEvent) {
                        log.warn("redis broker disconnected node={} redis={}", options.nodeId(), where);
                    } else if (event instanceof ConnectedEvent) {
                        log.info("redis broker connected node={} redis={}", options.nodeId(), where);
                    } else if (event instanceof ConnectionActivatedEvent) {
                        resubscribe();
                    }
                });
    }

    /**
     * Lettuce restores the channels Redis confirmed before an outage, but a SUBSCRIBE rejected
     * while Redis was down (a topic whose first local subscriber came then) is forgotten, and a
     * cluster node's sharded channels may move to another shard: after every reconnect, subscribe
     * to every channel this node wants again (repeating one is harmless).
     */
    private void resubscribe() {
        if (closed.get()) {
            return;
        }
        byte[][] channels = new byte[topics.size() + 2][];
        channels[0] = keys.userChannel();
        channels[1] = keys.controlChannel();
        int i = 2;
        for (String topic : topics) {
            if (i == channels.length) {
                break; // a topic added meanwhile subscribes itself
            }
            channels[i++] = keys.topicChannel(topic);
        }
        byte[][] wanted = i == channels.length ? channels : Arrays.copyOf(channels, i);
        // Not on the event-bus thread: during activation Lettuce's endpoint may park the writer briefly.
        // The event may come a moment before the connection takes commands: retry briefly.
        Mono.defer(() -> link.listen(wanted))
                .subscribeOn(Schedulers.boundedElastic())
                .retryWhen(Retry.backoff(8, Duration.ofMillis(50)).maxBackoff(Duration.ofSeconds(2))
                        .filter(e -> !closed.get()))
                .subscribe(null, e -> log.warn(
                "redis broker could not restore its channels node={} redis={} topics={} error={}",
                options.nodeId(), where, wanted.length - 2, e.toString()),
                () -> log.info("redis broker restored its channels node={} redis={} topics={}",
                        options.nodeId(), where, wanted.length - 2));
    }

    /** Connects both connections and subscribes the user and control channels. */
    public static Mono<RedisBroker> connect(RedisBrokerOptions options) {
        boolean cluster = options.topology() == RedisBrokerOptions.Topology.CLUSTER;
        Mono<RedisLink> link = cluster ? ClusterLink.connect(options) : ServerLink.connect(options);
        RedisKeys keys = cluster ? RedisKeys.clustered(options.channelPrefix()) : RedisKeys.standalone(options.channelPrefix());
        return link.flatMap(l -> {
            LettuceRedisBroker broker = new LettuceRedisBroker(options, l, keys);
            return l.listen(keys.userChannel(), keys.controlChannel())
                    .then(Mono.<RedisBroker>just(broker))
                    .doOnSuccess(b -> log.info("redis broker started node={} redis={} prefix={} topology={}",
                            options.nodeId(), l.where(), options.channelPrefix(), options.topology()))
                    .onErrorResume(e -> broker.close().onErrorResume(ignored -> Mono.empty())
                            .then(Mono.error(new LinkFailure(l.where(), e))));
        }).onErrorMap(LinkFailure.class, e -> new WsException("redis broker could not connect to " + e.where()
                + ": " + e.getMessage() + "; check that redis-server is running there", e.getCause()));
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
        if (m.targets().size() > 1 && isRepeat(m.originNodeId(), frame.id())) {
            duplicatesDropped.increment();
            return;
        }
        received.increment();
        sink.next(m);
    }

    /** Whether this copy of a multi-topic message came before (another of its channels). */
    private boolean isRepeat(String origin, long id) {
        if (link.copiesBackToBack()) {
            // The copies of one multi-topic publish arrive back to back (one script): keep the first.
            boolean repeat = id == lastId && origin.equals(lastOrigin);
            lastOrigin = origin;
            lastId = id;
            return repeat;
        }
        return recentMultiTopic.put(origin + "\n" + id, Boolean.TRUE) != null;
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
        return whileOpen(() -> {
            BrokerMessage stamped = options.nodeId().equals(message.originNodeId()) ? message
                    : new BrokerMessage(message.kind(), message.targets(), message.payload(), options.nodeId(),
                    message.excludedConnectionIds());
            byte[] frame = BrokerFrame.encode(stamped, publishIds.incrementAndGet());
            if (message.kind() != BrokerMessage.Kind.TOPIC) {
                return link.publish(message.kind() == BrokerMessage.Kind.USER ? keys.userChannel() : keys.controlChannel(),
                        frame);
            }
            if (message.targets().size() == 1) {
                return link.publish(keys.topicChannel(message.targets().get(0)), frame);
            }
            return link.publishEach(message.targets().stream().map(keys::topicChannel).toArray(byte[][]::new), frame);
        }).doOnSuccess(v -> {
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
        });
    }

    @Override
    public TopicHistory history(HistoryOptions historyOptions, WsCodec codec) {
        return new StreamTopicHistory(link.commands(), keys, historyOptions, codec, Clock.systemUTC());
    }

    @Override
    public Flux<BrokerMessage> inbound() {
        return inbound;
    }

    @Override
    public Mono<Void> interest(String topic, boolean on) {
        return whileOpen(() -> {
            byte[] channel = keys.topicChannel(topic);
            if (on) {
                topics.add(topic);
                return link.listen(channel);
            }
            topics.remove(topic);
            return link.unlisten(channel);
        }).onErrorMap(e -> new WsException("redis broker could not " + (on ? "subscribe to" : "unsubscribe from")
                + " topic '" + topic + "' at " + where + ": " + e.getMessage(), e));
    }

    /**
     * {@code work} unless the broker is closed or closing: then an error at once, so that nothing
     * reaches the link (whose cluster client would open a shard connection for it) once close began.
     */
    private <T> Mono<T> whileOpen(Supplier<Mono<T>> work) {
        return Mono.defer(() -> closed.get()
                ? Mono.error(new IllegalStateException("redis broker is closed node=" + options.nodeId() + " redis=" + where))
                : work.get());
    }

    // ------------------------------------------------------------ node state

    @Override
    public Mono<Boolean> heartbeat(Duration ttl) {
        return whileOpen(() -> nodeState.heartbeat(ttl));
    }

    @Override
    public Mono<Void> putNodeState(String name, Map<String, String> entries, Collection<String> removed, Duration ttl) {
        return whileOpen(() -> nodeState.putNodeState(name, entries, removed, ttl));
    }

    @Override
    public Mono<Void> replaceNodeState(String name, Map<String, String> entries, Duration ttl) {
        return whileOpen(() -> nodeState.replaceNodeState(name, entries, ttl));
    }

    @Override
    public Mono<Void> removeNodeState() {
        return whileOpen(() -> nodeState.removeNodeState());
    }

    @Override
    public Mono<Map<String, String>> nodeStates(String name, String key) {
        return whileOpen(() -> nodeState.nodeStates(name, key));
    }

    @Override
    public Mono<Set<String>> liveNodes() {
        return nodeState.liveNodes();
    }

    @Override
    public boolean isConnected() {
        return !closed.get() && link.isOpen() && inboundConsumers.get() > 0 && !inboundFailed;
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
            return link.close()
                    .doOnSuccess(v -> log.info("redis broker closed node={} redis={}", options.nodeId(), where));
        });
    }
}
