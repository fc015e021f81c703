package io.reactivewspool.internal.server;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import io.reactivewspool.broker.Broker;
import io.reactivewspool.broker.BrokerMessage;
import io.reactivewspool.history.TopicHistory;
import io.reactivewspool.internal.history.HistoryOffset;
import io.reactivewspool.internal.history.RingTopicHistory;
import io.reactivewspool.internal.LogLimiter;
import io.reactivewspool.message.WsCloseStatus;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.Admission;
import io.reactivewspool.server.CleanupReport;
import io.reactivewspool.server.ConnectionInfo;
import io.reactivewspool.server.ConnectionListener;
import io.reactivewspool.server.ConnectionState;
import io.reactivewspool.server.HandshakeInfo;
import io.reactivewspool.server.HubAdmin;
import io.reactivewspool.server.HubStats;
import io.reactivewspool.server.OutboundFrame;
import io.reactivewspool.server.Presence;
import io.reactivewspool.server.WsAccessDeniedException;
import io.reactivewspool.server.WsConnectionView;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.server.WsTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.Exceptions;
import reactor.core.publisher.BufferOverflowStrategy;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/**
 * The hub: registry, topics, protocol dispatch, delivery, timers and admin operations.
 *
 * <p>Data path: a broadcast is stamped and encoded once ({@link #deliverAndPublish}), wrapped in
 * one {@link OutboundFrame}, emitted to the topic's sink and pushed by each subscribed connection
 * into its own bounded {@link OutboundQueue}, which the transport drains at its own pace.
 */
public final class DefaultWsHub implements WsHub {

    private static final Logger log = LoggerFactory.getLogger(WsHub.class);
    /** How long a CLOSING connection may stay registered before the sweep removes it. */
    private static final long CLOSING_GRACE_MILLIS = 10_000;
    /** The longest a subscribe reply waits for the broker to take a new topic. */
    private static final Duration INTEREST_TIMEOUT = Duration.ofSeconds(5);
    static final String PRESENCE_JOIN = "join";
    static final String PRESENCE_LEAVE = "leave";
    /** How often changed presence is written to the broker. */
    private static final Duration PRESENCE_FLUSH = Duration.ofMillis(100);
    /** Broker messages handed to the delivery thread at a time. */
    private static final int BROKER_PREFETCH = 256;
    /** The first and the longest wait before the broker's inbound is resubscribed after an error. */
    private static final Duration BROKER_RETRY_FIRST = Duration.ofMillis(100);
    private static final Duration BROKER_RETRY_MAX = Duration.ofSeconds(5);

    final HubCounters counters = new HubCounters();

    private final WsHubOptions options;
    private final WsCodec codec;
    private final Broker broker;
    private final Scheduler scheduler;
    private final boolean ownsScheduler;
    private final Topics topics;
    private final ConcurrentHashMap<String, DefaultConnection> connections = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Set<DefaultConnection>> byUser = new ConcurrentHashMap<>();
    private final AtomicInteger slots = new AtomicInteger();
    private final Disposable.Composite timers = Disposables.composite();
    private final BrokerDelivery brokerDelivery = new BrokerDelivery();
    private final LogLimiter dropLog = new LogLimiter(10, java.util.concurrent.TimeUnit.SECONDS);
    final LogLimiter errorLog = new LogLimiter(10, java.util.concurrent.TimeUnit.SECONDS);
    private final Mono<Void> closeMono;
    private final Admin admin = new Admin();
    private final ProtocolDispatcher dispatcher;
    private final TopicHistory history;
    private final HistorySequencer sequencer;
    /** Keeps live delivery gap-free when nodes share a history; {@code null} otherwise. */
    private final TopicContinuity continuity;
    private volatile boolean accepting = true;
    /** Serves between their {@code accepting} check and their registration; close() waits for none. */
    private final AtomicInteger entering = new AtomicInteger();
    /** Completes once {@code accepting} is off and no serve is between its check and its registration. */
    private final Sinks.Empty<Void> entered = Sinks.empty();
    /** Whether the broker reaches other nodes (not the {@link io.reactivewspool.broker.LocalBroker}). */
    private final boolean clustered;
    /** This node's presence and stats in the broker; {@code null} with a local broker. */
    private final ClusterState clusterState;

    public DefaultWsHub(WsHubOptions options) {
        this.options = options;
        this.codec = options.codec();
        this.broker = options.broker();
        this.ownsScheduler = options.scheduler() == null;
        this.scheduler = ownsScheduler ? Schedulers.newSingle("wshub-timer-" + broker.nodeId(), true) : options.scheduler();
        this.clustered = !(broker instanceof io.reactivewspool.broker.LocalBroker);
        this.topics = new Topics(options.maxConnectionsPerTopic(), options.maxTopicsPerConnection(), this::interest,
                counters.failed::increment, this::onMembership);
        this.closeMono = Mono.defer(this::doClose).cache();
        this.history = options.history();
        this.sequencer = history == null ? null : new HistorySequencer(history, this::deliverStored,
                (topic, e) -> {
                    counters.historyFailed.increment();
                    counters.failed.increment();
                    if (errorLog.acquire() >= 0) {
                        log.warn("history append failed topic={} error={}; message not delivered (only stored messages are)",
                                topic, e.toString());
                    }
                },
                topic -> {
                    counters.historyBypassed.increment();
                    counters.failed.increment();
                    if (errorLog.acquire() >= 0) {
                        log.warn("history appends backed up topic={} pending={}; message refused, not delivered",
                                topic, HistorySequencer.MAX_PENDING);
                    }
                });
        // Only a history the nodes share numbers every node's messages in one sequence; with a
        // per-node ring, other nodes' offsets are of other epochs and say nothing about gaps here.
        boolean shared = history != null && clustered && !(history instanceof RingTopicHistory);
        this.continuity = !shared ? null : new TopicContinuity(history, new TopicContinuity.Delivery() {
            @Override
            public void replayed(String topic, WsMessage message) {
                counters.gapsRecovered.increment();
                deliverLocally(BrokerMessage.Kind.TOPIC, List.of(topic), encodeFrame(message), message, Set.of());
            }

            @Override
            public void gap(String topic, HistoryOffset resumeAfter, String reason) {
                counters.gapsReported.increment();
                log.warn("topic messages missing on this node topic={} reason=\"{}\" resume_after={}; subscribers told (gap)",
                        topic, reason, resumeAfter);
                WsMessage gap = WsMessage.builder(WsMessage.GAP).topic(topic)
                        .data(Map.of("offset", resumeAfter.toString(), "reason", reason)).build();
                deliverLocally(BrokerMessage.Kind.TOPIC, List.of(topic), encodeFrame(gap), gap, Set.of());
            }
        }, (topic, e) -> {
            if (errorLog.acquire() >= 0) {
                log.warn("history read for a gap failed topic={} error={}", topic, e.toString());
            }
        });
        this.dispatcher = new ProtocolDispatcher(this, topics);
        this.clusterState = !clustered ? null : new ClusterState(broker, options.clusterStateTtl(), this::localPresence,
                () -> topics.subscriberCounts().keySet().stream().filter(options::tracksPresence).toList(),
                this::stats, errorLog);
        start();
    }

    private void start() {
        primeCodec(codec);
        Duration hb = options.heartbeatInterval();
        timers.add(Flux.interval(hb, hb, scheduler).subscribe(tick -> guarded("heartbeat", this::heartbeat),
                e -> log.error("heartbeat pipeline failed", e)));
        Duration ci = options.cleanupInterval();
        timers.add(Flux.interval(ci, ci, scheduler).subscribe(tick -> guarded("cleanup", this::sweep),
                e -> log.error("cleanup pipeline failed", e)));
        if (clustered) {
            timers.add(Flux.interval(Duration.ZERO, PRESENCE_FLUSH, scheduler)
                    .subscribe(tick -> guarded("cluster state flush", clusterState::flush),
                            e -> log.error("cluster state pipeline failed", e)));
            Duration refresh = options.clusterStateTtl().dividedBy(3);
            timers.add(Flux.interval(Duration.ZERO, refresh, scheduler)
                    .subscribe(tick -> guarded("cluster heartbeat", clusterState::heartbeat),
                            e -> log.error("cluster heartbeat pipeline failed", e)));
        }
        // The broker buffers (bounded) what the delivery thread cannot take yet. Any error ends the
        // inbound Flux (a broker that emits past the demand overflows the hand-off; a broker of
        // its own fails): counted, logged, resubscribed with backoff. Until then nothing from other
        // nodes arrives, and the broker, with nothing consuming its inbound, reports itself down.
        timers.add(broker.inbound()
                .publishOn(Schedulers.fromExecutor(brokerDelivery), BROKER_PREFETCH)
                .doOnNext(this::onBrokerMessage)
                .retryWhen(Retry.backoff(Long.MAX_VALUE, BROKER_RETRY_FIRST).maxBackoff(BROKER_RETRY_MAX)
                        .transientErrors(true)
                        .doBeforeRetry(signal -> {
                            counters.failed.increment();
                            Throwable e = signal.failure();
                            if (Exceptions.isOverflow(e)) {
                                log.error("broker inbound overflowed node={}: the broker emitted past the hub's demand of {}; "
                                        + "messages queued for delivery were lost, resubscribing", broker.nodeId(), BROKER_PREFETCH);
                            } else {
                                log.error("broker inbound failed node={} restarts={}: messages of other nodes are not "
                                        + "received until it resubscribes", broker.nodeId(), signal.totalRetries() + 1, e);
                            }
                        }))
                .subscribe(null, e -> log.error("broker inbound ended node={}", broker.nodeId(), e)));
        log.info("hub started node={} heartbeat_ms={} connection_timeout_ms={} cleanup_ms={} max_connections={} queue={} overflow={}",
                broker.nodeId(), hb.toMillis(), options.connectionTimeout().toMillis(), ci.toMillis(),
                options.maxConnections(), options.outboundQueueSize(), options.overflowPolicy());
    }

    /**
     * Decodes one message with a tree payload before any connection exists. Jackson builds its
     * deserializers lazily under a lock; several event loops decoding their first message at once
     * would contend on it (and park, a blocking call on an event loop).
     */
    static void primeCodec(WsCodec codec) {
        try {
            codec.decode("{\"type\":\"prime\",\"topic\":\"t\",\"id\":\"1\",\"data\":{\"a\":[1,1.5,\"s\",true,null,{}]}}");
        } catch (RuntimeException e) {
            log.debug("codec priming skipped codec={} error={}", codec.getClass().getName(), e.toString());
        }
    }

    /** One tick of a timed pipeline; a failing tick is logged and the pipeline keeps running. */
    private static void guarded(String what, Runnable tick) {
        try {
            tick.run();
        } catch (RuntimeException e) {
            log.error("{} tick failed; the next tick runs as scheduled", what, e);
        }
    }

    /** The topic history, or {@code null}. */
    TopicHistory history() {
        return history;
    }

    /** Encodes a reply-like message once (stamped) for one connection. */
    OutboundFrame frameOf(WsMessage m) {
        return encodeFrame(m);
    }

    long nowMillis() {
        return scheduler.now(TimeUnit.MILLISECONDS);
    }

    @Override
    public WsHubOptions options() {
        return options;
    }

    // ---------------------------------------------------------------- admission and registry

    @Override
    public Mono<Admission> admit(HandshakeInfo handshake) {
        return Mono.defer(() -> {
            if (!accepting) {
                return Mono.just(Admission.refused(503, "server shutting down"));
            }
            if (!Origins.allowed(handshake, options.allowedOrigins())) {
                return Mono.just(Admission.refused(403, "origin not allowed"));
            }
            if (options.authenticator() == null) {
                return Mono.just(Admission.accepted(null));
            }
            String token = handshake.token();
            return Mono.defer(() -> options.authenticator().authenticate(token, handshake))
                    .map(Admission::accepted)
                    .defaultIfEmpty(Admission.refused(401, token == null ? "missing credentials" : "invalid credentials"))
                    .onErrorResume(e -> {
                        if (e instanceof WsAccessDeniedException denied) {
                            return Mono.just(Admission.refused(403, denied.getMessage() == null ? "forbidden" : denied.getMessage()));
                        }
                        log.warn("authenticator failed remote={} error={}", handshake.remoteAddress(), e.getClass().getName());
                        return Mono.just(Admission.refused(401, "invalid credentials"));
                    })
                    // Cancels the authenticator: clients waiting on a hung one must not pile up.
                    // Not on the hub's timer scheduler: its close disposes timers there and must not contend.
                    .timeout(options.authenticationTimeout(), Mono.fromSupplier(() -> {
                        if (errorLog.acquire() >= 0) {
                            log.warn("authenticator timed out remote={} timeout_ms={}; upgrade refused with 503",
                                    handshake.remoteAddress(), options.authenticationTimeout().toMillis());
                        }
                        return Admission.refused(503, "authentication timed out");
                    }), Schedulers.parallel());
        }).doOnNext(a -> {
            if (!a.isAccepted()) {
                counters.rejected.increment();
                log.info("upgrade refused status={} reason=\"{}\" remote={} origin={}", a.httpStatus(), a.reason(),
                        handshake.remoteAddress(), handshake.origin());
            }
        });
    }

    @Override
    public Mono<Void> serve(WsTransport transport, Admission admission) {
        return serve(transport, admission, Set.of());
    }

    @Override
    public Mono<Void> serve(WsTransport transport, Admission admission, Set<String> initialTopics) {
        return Mono.defer(() -> {
            if (!admission.isAccepted()) {
                return Mono.error(new IllegalArgumentException("serve needs an accepted admission, got " + admission));
            }
            // A close barrier: a serve counts itself in before it reads accepting and out once it has
            // registered; close() turns accepting off before it reads the count, and takes its snapshot
            // only when the count is zero. Volatile on both sides: either the serve sees accepting off,
            // or close() waits for it, so no connection opens behind close()'s snapshot.
            entering.incrementAndGet();
            try {
                return register(transport, admission, initialTopics);
            } finally {
                if (entering.decrementAndGet() == 0 && !accepting) {
                    entered.tryEmitEmpty();
                }
            }
        });
    }

    private Mono<Void> register(WsTransport transport, Admission admission, Set<String> initialTopics) {
        if (!accepting) {
            counters.rejected.increment();
            return transport.close(WsCloseStatus.GOING_AWAY);
        }
        String limit = null;
        if (slots.incrementAndGet() > options.maxConnections()) {
            slots.decrementAndGet();
            limit = "max_connections=" + options.maxConnections();
        }
        DefaultConnection c = null;
        if (limit == null) {
            c = new DefaultConnection(newId(), admission.userId(), transport, this, nowMillis());
            brokerDelivery.learn(transport);
            if (c.userId != null && !addToUser(c)) {
                slots.decrementAndGet();
                limit = "max_connections_per_user=" + options.maxConnectionsPerUser();
                c = null;
            }
        }
        if (c == null) {
            counters.rejected.increment();
            log.info("connection refused code=1013 reason=\"limit\" limit={} user={} remote={}", limit,
                    admission.userId(), transport.handshake().remoteAddress());
            return transport.close(WsCloseStatus.TRY_AGAIN_LATER);
        }
        return run(c, initialTopics);
    }

    private Mono<Void> run(DefaultConnection c, Set<String> initialTopics) {
        connections.put(c.id, c);
        counters.accepted.increment();
        c.open();
        log.info("connection opened conn={} user={} remote={}", c.id, c.userId, c.transport.handshake().remoteAddress());
        // Sending starts first: with the transport's demand already there, the welcome goes straight
        // to the transport, and a connection whose queue never backs up never allocates one.
        Session session = new Session(c, this, dispatcher);
        session.startSending();
        c.offer(encodeFrame(WsMessage.welcome(c.id, c.userId, options.heartbeatInterval().toMillis())));
        for (String topic : initialTopics) {
            dispatcher.onSubscribe(c, WsMessage.subscribe(topic));
        }
        for (ConnectionListener l : options.connectionListeners()) {
            notifyListener(l, c, true);
        }
        return session;
    }

    private boolean addToUser(DefaultConnection c) {
        boolean[] added = {false};
        byUser.compute(c.userId, (k, set) -> {
            Set<DefaultConnection> s = set == null ? ConcurrentHashMap.newKeySet() : set;
            if (s.size() < options.maxConnectionsPerUser()) {
                s.add(c);
                added[0] = true;
            }
            return s.isEmpty() ? null : s;
        });
        return added[0];
    }

    /** Removes a connection from every index; idempotent. */
    boolean unregister(DefaultConnection c, String why) {
        if (!connections.remove(c.id, c)) {
            return false;
        }
        slots.decrementAndGet();
        if (c.userId != null) {
            byUser.computeIfPresent(c.userId, (k, s) -> {
                s.remove(c);
                return s.isEmpty() ? null : s;
            });
        }
        for (ConnectionListener l : options.connectionListeners()) {
            notifyListener(l, c, false);
        }
        c.markClosed();
        topics.unsubscribeAll(c);
        c.queue.complete();
        WsCloseStatus st = c.closeStatus;
        log.info("connection closed conn={} user={} code={} reason=\"{}\" removed_by={} duration_ms={} received={} sent={} dropped={}",
                c.id, c.userId, st == null ? "peer" : st.code(), st == null ? "closed by client or network" : st.reason(),
                why, nowMillis() - c.createdAtMillis, c.received, c.queue.sent(), c.dropped);
        c.terminated.tryEmitEmpty();
        return true;
    }

    private static String newId() {
        // Not UUID.randomUUID(): SecureRandom may read /dev/urandom, a blocking call on an event loop.
        java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
        long hi = (r.nextLong() & ~0xF000L) | 0x4000L;
        long lo = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(hi, lo).toString();
    }

    void reply(DefaultConnection c, WsMessage m) {
        c.offer(encodeFrame(m));
    }

    private OutboundFrame encodeFrame(WsMessage m) {
        return OutboundFrame.text(codec.encode(stamp(m)));
    }

    private WsMessage stamp(WsMessage m) {
        return m.timestamp() != null ? m : m.withTimestamp(Instant.ofEpochMilli(nowMillis()));
    }

    // ---------------------------------------------------------------- sending

    /**
     * THE one place a hub message fans out: stamp and encode once, deliver to local connections,
     * hand the same bytes to the broker for other nodes. With a topic history, a single-topic
     * message goes through the {@link HistorySequencer} first: stored, then encoded once with its
     * offset and delivered in the topic's offset order.
     */
    int deliverAndPublish(BrokerMessage.Kind kind, Collection<String> targets, WsMessage message,
                                  Set<String> excluded) {
        return deliverAndPublish(kind, targets, message, excluded, null);
    }

    /**
     * As above; {@code outcome} (may be {@code null}) gets the message once it is delivered here and
     * handed to the broker (with its offset when stored in the history), or {@code null} when the
     * history could not store it and it went nowhere.
     */
    int deliverAndPublish(BrokerMessage.Kind kind, Collection<String> targets, WsMessage message,
                          Set<String> excluded, Consumer<WsMessage> outcome) {
        WsMessage stamped = stamp(message);
        Set<String> ex = excluded == null || excluded.isEmpty() ? Set.of() : Set.copyOf(excluded);
        if (sequencer != null && kind == BrokerMessage.Kind.TOPIC && targets.size() == 1) {
            // Stored first, then encoded once with its offset and delivered in offset order.
            String topic = targets.iterator().next();
            int reached = sequencer.submit(topic, stamped, ex, outcome);
            if (reached >= 0) {
                return reached;
            }
            // Delivery is still pending on another thread or on the history: what it will reach.
            int n = 0;
            for (DefaultConnection c : topics.connections(topic)) {
                if (!ex.contains(c.id)) {
                    n++;
                }
            }
            return n;
        }
        int reached = encodeAndDeliver(kind, targets, stamped, ex);
        if (outcome != null) {
            outcome.accept(stamped);
        }
        return reached;
    }

    /** Delivery of a message the history has stored: encode once, fan out (here in offset order). */
    private int deliverStored(String topic, WsMessage stored, Set<String> excluded) {
        if (continuity == null) {
            return encodeAndDeliver(BrokerMessage.Kind.TOPIC, List.of(topic), stored, excluded);
        }
        byte[] payload = codec.encode(stored);
        OutboundFrame frame = OutboundFrame.text(payload);
        int[] reached = {-1};
        continuity.accept(topic, stored.offset(), () -> reached[0] = deliverLocally(BrokerMessage.Kind.TOPIC,
                List.of(topic), frame, stored, excluded));
        publish(BrokerMessage.Kind.TOPIC, List.of(topic), payload, excluded);
        return reached[0] >= 0 ? reached[0] : topics.connections(topic).size();
    }

    private int encodeAndDeliver(BrokerMessage.Kind kind, Collection<String> targets, WsMessage stamped, Set<String> ex) {
        byte[] payload = codec.encode(stamped);
        OutboundFrame frame = OutboundFrame.text(payload);
        int reached = deliverLocally(kind, targets, frame, stamped, ex);
        publish(kind, targets, payload, ex);
        return reached;
    }

    private void publish(BrokerMessage.Kind kind, Collection<String> targets, byte[] payload, Set<String> ex) {
        counters.broadcasts.increment();
        // Several topics travel as ONE broker message with the list, so that a remote connection
        // subscribed to more than one of them receives it once.
        BrokerMessage out = new BrokerMessage(kind, List.copyOf(targets), payload, broker.nodeId(), ex);
        broker.publish(out)
                .subscribe(null, e -> {
                    counters.failed.increment();
                    if (errorLog.acquire() >= 0) {
                        log.warn("broker publish failed kind={} targets={} error={}", kind, out.targets(), e.toString());
                    }
                });
    }

    private int deliverLocally(BrokerMessage.Kind kind, Collection<String> targets, OutboundFrame frame,
                               WsMessage message, Set<String> excluded) {
        if (kind == BrokerMessage.Kind.TOPIC) {
            return topics.emit(targets, new TopicEvent(frame, message, excluded, targets.size() > 1, codec));
        }
        int reached = 0;
        for (String user : targets) {
            Set<DefaultConnection> conns = byUser.get(user);
            if (conns == null) {
                continue;
            }
            for (DefaultConnection c : conns) {
                if (!excluded.contains(c.id) && c.offer(frame)) {
                    reached++;
                }
            }
        }
        return reached;
    }

    /** Delivers one message of another node; one that fails is counted and logged, the next one still comes. */
    private void onBrokerMessage(BrokerMessage m) {
        if (broker.nodeId().equals(m.originNodeId())) {
            return;
        }
        try {
            if (continuity != null && m.kind() == BrokerMessage.Kind.TOPIC && m.targets().size() == 1) {
                // Decoded here (not lazily) for its offset: a jump in offsets is a gap to recover.
                String topic = m.targets().get(0);
                WsMessage message = codec.decode(m.payload());
                continuity.accept(topic, message.offset(), () -> deliverLocally(m.kind(), m.targets(),
                        OutboundFrame.text(m.payload()), message, m.excludedConnectionIds()));
                return;
            }
            switch (m.kind()) {
                // Targets arrive as the list the origin sent: a user id or topic is never split.
                case TOPIC, USER -> deliverLocally(m.kind(), m.targets(), OutboundFrame.text(m.payload()),
                        null, m.excludedConnectionIds());
                case CONTROL -> onControl(m);
            }
        } catch (RuntimeException e) {
            counters.failed.increment();
            if (errorLog.acquire() >= 0) {
                log.error("broker message failed node={} origin={} kind={} targets={}", broker.nodeId(),
                        m.originNodeId(), m.kind(), m.targets().size(), e);
            }
        }
    }

    /** Applies another node's cluster-wide operation to this node's connections. */
    private void onControl(BrokerMessage m) {
        ControlOp op = ControlOp.decode(m.payload());
        if (op == null || !ControlOp.DISCONNECT.equals(op.op())) {
            log.debug("broker control message ignored node={} verb={}", m.originNodeId(), m.targets().get(0));
            return;
        }
        List<DefaultConnection> targets;
        String by;
        if (op.userId() != null) {
            targets = select(op.userId(), null);
            by = "cluster_user";
        } else if (op.connectionIds() != null) {
            targets = byIds(op.connectionIds());
            by = "cluster_ids";
        } else if (op.topic() != null) {
            targets = select(null, op.topic());
            by = "cluster_topic";
        } else {
            return;
        }
        disconnectAll(targets, op.reason(), by).subscribe(n -> {
            if (n > 0) {
                log.info("cluster disconnect applied origin={} by={} disconnected={}", m.originNodeId(), by, n);
            }
        }, e -> log.warn("cluster disconnect failed origin={} by={} error={}", m.originNodeId(), by, e.toString()));
    }

    /** Hands a cluster-wide operation to the other nodes (no-op with a local broker). */
    private void publishControl(ControlOp op) {
        broker.publish(new BrokerMessage(BrokerMessage.Kind.CONTROL, op.op(), op.encode(), broker.nodeId(), Set.of()))
                .subscribe(null, e -> {
                    counters.failed.increment();
                    if (errorLog.acquire() >= 0) {
                        log.warn("broker publish failed kind=CONTROL op={} error={}", op.op(), e.toString());
                    }
                });
    }

    private List<DefaultConnection> byIds(Collection<String> ids) {
        List<DefaultConnection> targets = new ArrayList<>();
        for (String id : new HashSet<>(ids)) {
            DefaultConnection c = connections.get(id);
            if (c != null) {
                targets.add(c);
            }
        }
        return targets;
    }

    private Mono<Void> interest(String topic, boolean on) {
        log.debug("topic {} topic={}", on ? "created" : "removed", topic);
        if (continuity != null) {
            if (on) {
                continuity.watch(topic);
            } else {
                continuity.forget(topic);
            }
        }
        // Subscribe replies wait for this, and a topic's next interest call waits for its last
        // one: a broker that never answers must not hold either.
        // Not on the hub's timer scheduler: its close disposes timers there and must not contend.
        return broker.interest(topic, on)
                .timeout(INTEREST_TIMEOUT, Schedulers.parallel())
                .doOnError(e -> log.warn("broker interest failed topic={} on={} error={}; local delivery unaffected",
                        topic, on, e.toString()));
    }

    /** Runs {@code reply} once the broker carries {@code topic} here (at once with a local broker). */
    void whenTopicReady(String topic, Runnable reply) {
        if (topics.isReady(topic)) {
            reply.run();
        } else {
            topics.ready(topic).subscribe(null, e -> reply.run(), reply);
        }
    }

    @Override
    public int broadcast(String topic, String type, Object data) {
        return broadcast(topic, type, data, Set.of());
    }

    @Override
    public int broadcast(String topic, String type, Object data, Set<String> excludedConnectionIds) {
        return broadcast(WsMessage.of(type, topic, data), excludedConnectionIds);
    }

    @Override
    public int broadcast(Set<String> topicNames, String type, Object data) {
        if (topicNames.isEmpty()) {
            throw new IllegalArgumentException("topics must not be empty");
        }
        topicNames.forEach(io.reactivewspool.message.TopicName::requireValid);
        return deliverAndPublish(BrokerMessage.Kind.TOPIC, new LinkedHashSet<>(topicNames), WsMessage.of(type, null, data), Set.of());
    }

    @Override
    public int broadcast(WsMessage message, Set<String> excludedConnectionIds) {
        io.reactivewspool.message.TopicName.requireValid(message.topic());
        return deliverAndPublish(BrokerMessage.Kind.TOPIC, List.of(message.topic()), message, excludedConnectionIds);
    }

    @Override
    public int sendToUser(String userId, String type, Object data) {
        java.util.Objects.requireNonNull(userId, "userId");
        return deliverAndPublish(BrokerMessage.Kind.USER, List.of(userId), WsMessage.of(type, null, data), Set.of());
    }

    @Override
    public boolean sendTo(String connectionId, WsMessage message) {
        DefaultConnection c = connections.get(connectionId);
        return c != null && sendTo(c, message);
    }

    boolean sendTo(DefaultConnection c, WsMessage message) {
        return c.offer(encodeFrame(message));
    }

    @Override
    public boolean subscribe(String connectionId, String topic) {
        io.reactivewspool.message.TopicName.requireValid(topic);
        DefaultConnection c = connections.get(connectionId);
        if (c == null) {
            return false;
        }
        Topics.Result r = topics.subscribe(c, topic);
        if (r == Topics.Result.SUBSCRIBED && c.state() == ConnectionState.CLOSED) {
            topics.unsubscribe(c, topic);
            return false;
        }
        return r == Topics.Result.SUBSCRIBED || r == Topics.Result.ALREADY;
    }

    @Override
    public boolean unsubscribe(String connectionId, String topic) {
        DefaultConnection c = connections.get(connectionId);
        return c != null && topics.unsubscribe(c, topic);
    }

    @Override
    public Flux<WsMessage> topic(String topic) {
        io.reactivewspool.message.TopicName.requireValid(topic);
        return topics.inProcess(topic)
                .onBackpressureBuffer(options.outboundQueueSize(), dropped -> counters.dropped.increment(),
                        BufferOverflowStrategy.DROP_OLDEST)
                .map(TopicEvent::message);
    }

    // ---------------------------------------------------------------- presence

    private void onMembership(DefaultConnection c, String topic, boolean joined) {
        if (clustered && options.tracksPresence(topic)) {
            clusterState.changed(topic);
        }
        if (options.presenceEvents(topic)) {
            // A broadcast on the topic itself: it reaches the subscribers on every node; not the joiner.
            Map<String, Object> data = new java.util.LinkedHashMap<>();
            data.put("user_id", c.userId);
            data.put("connection_id", c.id);
            broadcast(topic, joined ? PRESENCE_JOIN : PRESENCE_LEAVE, data, Set.of(c.id));
        }
    }

    /** This node's share of a topic's presence. */
    private Presence localPresence(String topic) {
        Map<String, Integer> users = new java.util.TreeMap<>();
        int n = 0;
        for (DefaultConnection c : topics.connections(topic)) {
            n++;
            if (c.userId != null) {
                users.merge(c.userId, 1, Integer::sum);
            }
        }
        return new Presence(topic, users, n);
    }

    @Override
    public Mono<Presence> presence(String topic) {
        io.reactivewspool.message.TopicName.requireValid(topic);
        if (!options.tracksPresence(topic)) {
            throw new IllegalArgumentException("presence of topic '" + topic + "' is not tracked: add a pattern that "
                    + "matches it to WsHubOptions presenceTopics (now " + options.presenceTopics() + ") or presenceEvents (now "
                    + options.presenceEvents() + ")");
        }
        return clustered ? clusterState.presence(topic) : Mono.fromSupplier(() -> localPresence(topic));
    }

    /** Every live node's stats by node id, this node's live; with a local broker, this node's only. */
    Mono<Map<String, HubStats>> clusterStats() {
        return clustered ? clusterState.clusterStats() : Mono.fromSupplier(() -> Map.of(broker.nodeId(), stats()));
    }

    @Override
    public Optional<WsConnectionView> connection(String connectionId) {
        return Optional.ofNullable(connections.get(connectionId));
    }

    void onDropped(DefaultConnection c) {
        DefaultConnection.DROPPED.incrementAndGet(c);
        counters.dropped.increment();
        long skipped = dropLog.acquire();
        if (skipped >= 0) {
            log.warn("outbound queue full conn={} user={} policy={} queue={} dropped={} (similar lines suppressed={})",
                    c.id, c.userId, options.overflowPolicy(), options.outboundQueueSize(), c.dropped, skipped);
        }
    }

    void onSlowConsumer(DefaultConnection c) {
        if (c.state() == ConnectionState.OPEN) {
            log.info("slow consumer closed conn={} user={} code=4001 queue={}", c.id, c.userId, options.outboundQueueSize());
            c.close(WsCloseStatus.SLOW_CONSUMER).subscribe();
        }
    }

    // ---------------------------------------------------------------- timers

    private void heartbeat() {
        long now = nowMillis();
        long timeout = options.connectionTimeout().toMillis();
        OutboundFrame heartbeatMessage = options.heartbeatMessages() ? encodeFrame(WsMessage.heartbeat()) : null;
        for (DefaultConnection c : connections.values()) {
            if (c.state() != ConnectionState.OPEN) {
                continue;
            }
            if (now - c.lastActivityMillis() > timeout) {
                counters.heartbeatTimeouts.increment();
                log.info("heartbeat timeout conn={} user={} idle_ms={} code=4000", c.id, c.userId, now - c.lastActivityMillis());
                c.close(WsCloseStatus.HEARTBEAT_TIMEOUT).subscribe();
                continue;
            }
            c.offer(OutboundFrame.ping());
            if (heartbeatMessage != null) {
                c.offer(heartbeatMessage);
            }
        }
    }

    private CleanupReport sweep() {
        long now = nowMillis();
        long timeout = options.connectionTimeout().toMillis();
        int stale = 0;
        int failed = 0;
        int closed = 0;
        for (DefaultConnection c : connections.values()) {
            ConnectionState s = c.state();
            if (s == ConnectionState.OPEN && now - c.lastActivityMillis() > timeout) {
                c.close(WsCloseStatus.HEARTBEAT_TIMEOUT).subscribe();
                if (unregister(c, "cleanup_stale")) {
                    stale++;
                }
            } else if (c.failed >= options.failedSendThreshold()) {
                c.close(WsCloseStatus.INTERNAL_ERROR.withReason("too many failed sends")).subscribe();
                if (unregister(c, "cleanup_failed")) {
                    failed++;
                }
            } else if (s == ConnectionState.CLOSED
                    || (s == ConnectionState.CLOSING && now - c.closingSinceMillis > Math.min(CLOSING_GRACE_MILLIS, timeout))) {
                if (unregister(c, "cleanup_closed")) {
                    closed++;
                }
            }
        }
        counters.cleanupRuns.increment();
        counters.removedStale.add(stale);
        counters.removedFailed.add(failed);
        counters.removedClosed.add(closed);
        CleanupReport report = new CleanupReport(stale, failed, closed, connections.size());
        if (report.removed() > 0) {
            log.info("cleanup removed stale={} failed={} closed={} remaining={}", stale, failed, closed, report.remaining());
        } else {
            log.debug("cleanup removed=0 remaining={}", report.remaining());
        }
        return report;
    }

    @Override
    public Mono<CleanupReport> cleanup() {
        return Mono.fromCallable(this::sweep);
    }

    // ---------------------------------------------------------------- admin

    @Override
    public HubAdmin admin() {
        return admin;
    }

    @Override
    public HubStats stats() {
        Map<ConnectionState, Integer> states = new EnumMap<>(ConnectionState.class);
        for (ConnectionState s : ConnectionState.values()) {
            states.put(s, 0);
        }
        for (DefaultConnection c : connections.values()) {
            states.merge(c.state(), 1, Integer::sum);
        }
        return new HubStats(connections.size(), counters.accepted.sum(), counters.rejected.sum(), byUser.size(),
                counters.received.sum(), counters.sent.sum(), counters.dropped.sum(), counters.failed.sum(),
                counters.errors.sum(), counters.broadcasts.sum(), Map.copyOf(states), topics.subscriberCounts(),
                counters.cleanupRuns.sum(), counters.removedStale.sum(), counters.removedFailed.sum(),
                counters.removedClosed.sum(), counters.heartbeatTimeouts.sum(), broker.isConnected());
    }

    List<ConnectionInfo> connections(String userId, String topic) {
        Collection<DefaultConnection> base;
        if (userId != null) {
            base = byUser.getOrDefault(userId, Set.of());
        } else if (topic != null) {
            base = topics.connections(topic);
        } else {
            base = connections.values();
        }
        List<ConnectionInfo> out = new ArrayList<>();
        for (DefaultConnection c : base) {
            if ((userId == null || userId.equals(c.userId)) && (topic == null || c.subscriptions.contains(topic))) {
                out.add(c.info());
            }
        }
        out.sort(java.util.Comparator.comparing(ConnectionInfo::createdAt).thenComparing(ConnectionInfo::connectionId));
        return out;
    }


    private List<DefaultConnection> select(String userId, String topic) {
        List<DefaultConnection> out = new ArrayList<>();
        for (DefaultConnection c : connections.values()) {
            if ((userId == null || userId.equals(c.userId)) && (topic == null || c.subscriptions.contains(topic))) {
                out.add(c);
            }
        }
        return out;
    }

    private Mono<Integer> disconnectAll(List<DefaultConnection> targets, String reason, String by) {
        WsCloseStatus status = WsCloseStatus.NORMAL.withReason(reason == null || reason.isBlank() ? "disconnected by administrator" : reason);
        return Flux.fromIterable(targets)
                .filter(c -> c.state() == ConnectionState.OPEN)
                .flatMap(c -> {
                    log.info("admin disconnect conn={} user={} by={} reason=\"{}\"", c.id, c.userId, by, status.reason());
                    return c.close(status).thenReturn(1);
                })
                .reduce(0, Integer::sum);
    }

    private final class Admin implements HubAdmin {

        @Override
        public HubStats stats() {
            return DefaultWsHub.this.stats();
        }

        @Override
        public List<ConnectionInfo> connections(String userId, String topic) {
            return DefaultWsHub.this.connections(userId, topic);
        }

        @Override
        public Optional<ConnectionInfo> connection(String connectionId) {
            return Optional.ofNullable(connections.get(connectionId)).map(DefaultConnection::info);
        }

        @Override
        public Mono<Integer> disconnectUser(String userId, String reason) {
            java.util.Objects.requireNonNull(userId, "userId");
            return Mono.defer(() -> {
                publishControl(ControlOp.disconnectUser(userId, reason));
                return disconnectAll(select(userId, null), reason, "user");
            });
        }

        @Override
        public Mono<Integer> disconnect(Collection<String> connectionIds, String reason) {
            java.util.Objects.requireNonNull(connectionIds, "connectionIds");
            return Mono.defer(() -> {
                List<DefaultConnection> targets = byIds(connectionIds);
                if (targets.size() < new HashSet<>(connectionIds).size()) {
                    // Some ids are not here: they may live on another node.
                    publishControl(ControlOp.disconnectIds(connectionIds, reason));
                }
                return disconnectAll(targets, reason, "ids");
            });
        }

        @Override
        public Mono<Integer> disconnectTopic(String topic, String reason) {
            java.util.Objects.requireNonNull(topic, "topic");
            return Mono.defer(() -> {
                publishControl(ControlOp.disconnectTopic(topic, reason));
                return disconnectAll(select(null, topic), reason, "topic");
            });
        }

        @Override
        public Mono<Presence> presence(String topic) {
            return DefaultWsHub.this.presence(topic);
        }

        @Override
        public Mono<Map<String, HubStats>> clusterStats() {
            return DefaultWsHub.this.clusterStats();
        }

        @Override
        public boolean isClustered() {
            return !(broker instanceof io.reactivewspool.broker.LocalBroker);
        }

        @Override
        public Mono<CleanupReport> cleanup() {
            return DefaultWsHub.this.cleanup();
        }

        @Override
        public int broadcast(String topic, String messageType, Object data) {
            return DefaultWsHub.this.broadcast(topic, messageType, data);
        }
    }

    // ---------------------------------------------------------------- graceful close

    @Override
    public boolean isAccepting() {
        return accepting;
    }

    @Override
    public Mono<Void> close() {
        return closeMono;
    }

    private Mono<Void> doClose() {
        accepting = false;
        if (entering.get() == 0) {
            entered.tryEmitEmpty();
        }
        // Otherwise the last serve still registering lets close() on.
        return entered.asMono().then(Mono.defer(this::closeConnections));
    }

    private Mono<Void> closeConnections() {
        List<DefaultConnection> all = new ArrayList<>(connections.values());
        int batchSize = options.closeBatchSize();
        int batches = (all.size() + batchSize - 1) / batchSize;
        Duration spacing = batches <= 1 ? Duration.ZERO : options.closeDrainPeriod().dividedBy(batches);
        log.info("hub closing node={} connections={} batches={} drain_ms={}", broker.nodeId(), all.size(), batches,
                options.closeDrainPeriod().toMillis());
        Mono<Void> closeAll = Flux.range(0, batches)
                .concatMap(i -> {
                    List<DefaultConnection> batch = all.subList(i * batchSize, Math.min(all.size(), (i + 1) * batchSize));
                    Mono<Void> wait = i == 0 ? Mono.empty() : Mono.delay(spacing, scheduler).then();
                    // A batch starts its closes and does not wait for them: a close frame queued
                    // behind a slow reader must not delay the next batch (each transport drops
                    // its socket a grace period after its own close, so every socket is gone by
                    // the drain period plus that grace).
                    return wait.then(Mono.fromRunnable(() -> batch.forEach(c -> c.close(WsCloseStatus.GOING_AWAY).subscribe())));
                })
                .then();
        // The deadline is a task that is never cancelled: cancelling a scheduled task removes it
        // from the executor's queue under a lock, which can park an event loop.
        Mono<Void> allGone = Mono.defer(() -> {
            Sinks.Empty<Void> gone = Sinks.empty();
            long limit = options.closeDrainPeriod().plusSeconds(5).toMillis();
            scheduler.schedule(() -> {
                // Transports that never finished: drop them from the registry anyway.
                for (DefaultConnection c : all) {
                    unregister(c, "hub_closed");
                }
                gone.tryEmitEmpty();
            }, limit, TimeUnit.MILLISECONDS);
            Flux.fromIterable(all).flatMap(c -> c.terminated.asMono()).subscribe(null, e -> gone.tryEmitEmpty(), gone::tryEmitEmpty);
            return gone.asMono();
        });
        return closeAll
                .then(allGone)
                // Off the event loops: cancelling scheduled tasks and shutting the timer executor
                // down take the executor's lock, which may be contended (a park BlockHound reports).
                .then(offNonBlockingThread(Mono.defer(() -> {
                    timers.dispose();
                    // Every connection is gone: withdraw this node's heartbeat and entries now rather than at their expiry.
                    Mono<Void> withdraw = (clustered ? clusterState.withdraw() : Mono.<Void>empty())
                            .timeout(ClusterState.READ_TIMEOUT, Schedulers.parallel())
                            .onErrorResume(e -> Mono.empty());
                    return withdraw.then(broker.close()).onErrorResume(e -> {
                        log.warn("broker close failed node={} error={}", broker.nodeId(), e.toString());
                        return Mono.empty();
                    });
                })))
                .then(offNonBlockingThread(Mono.fromRunnable(this::disposeOwnScheduler)))
                .doOnTerminate(topics::close)
                .doOnTerminate(() -> log.info("hub closed node={} total_connections={} messages_sent={}", broker.nodeId(),
                        counters.accepted.sum(), counters.sent.sum()))
                .doFinally(s -> {
                    if (s != reactor.core.publisher.SignalType.ON_COMPLETE) {
                        disposeOwnScheduler();
                    }
                });
    }

    /**
     * Runs the last steps of a close where they may block. With the hub's own scheduler they always
     * move to a thread that may block: they often start on an I/O thread (a Netty event loop, or the
     * broker client's) that {@link Schedulers#isInNonBlockingThread()} does not recognise. With an
     * injected scheduler (virtual time in tests) they run in place unless on a Reactor non-blocking thread.
     */
    private Mono<Void> offNonBlockingThread(Mono<Void> work) {
        if (ownsScheduler) {
            return work.subscribeOn(Schedulers.boundedElastic());
        }
        return Mono.defer(() -> Schedulers.isInNonBlockingThread() ? work.subscribeOn(Schedulers.boundedElastic()) : work);
    }

    private void disposeOwnScheduler() {
        if (ownsScheduler) {
            scheduler.dispose();
        }
    }

    private void notifyListener(ConnectionListener l, DefaultConnection c, boolean open) {
        try {
            if (open) {
                l.onOpen(c, this);
            } else {
                l.onClose(c, this);
            }
        } catch (RuntimeException e) {
            if (errorLog.acquire() >= 0) {
                log.warn("connection listener failed conn={} user={} event={} error={}", c.id, c.userId,
                        open ? "open" : "close", e.toString());
            }
        }
    }

}
