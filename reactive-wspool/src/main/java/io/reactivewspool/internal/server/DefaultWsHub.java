package io.reactivewspool.internal.server;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.reactivewspool.broker.Broker;
import io.reactivewspool.broker.BrokerMessage;
import io.reactivewspool.internal.LogLimiter;
import io.reactivewspool.message.TopicName;
import io.reactivewspool.message.WsCloseStatus;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.Admission;
import io.reactivewspool.server.CleanupReport;
import io.reactivewspool.server.ConnectionListener;
import io.reactivewspool.server.ConnectionOutcome;
import io.reactivewspool.server.ConnectionState;
import io.reactivewspool.server.HandshakeInfo;
import io.reactivewspool.server.HubAdmin;
import io.reactivewspool.server.HubStats;
import io.reactivewspool.server.Presence;
import io.reactivewspool.server.PublishResult;
import io.reactivewspool.server.WsConnectionView;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.server.WsTransport;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.BufferOverflowStrategy;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

/**
 * The hub: admission, the connection's life from registration to removal, and the public
 * {@link WsHub} operations, over its parts: the {@link ConnectionRegistry}, {@link Topics},
 * {@link HubDelivery} (local fan-out, broker fan-in and fan-out), the {@link ClusterView}
 * (presence, cluster stats), {@link HubTimers} (heartbeat, sweep, close) and the
 * {@link DefaultHubAdmin admin operations}. A connection, its {@link TransportPump} and the
 * {@link ProtocolDispatcher} see the hub only as a {@link ConnectionHost}.
 */
public final class DefaultWsHub implements WsHub {

    private static final Logger log = LoggerFactory.getLogger(WsHub.class);

    private final HubCounters counters = new HubCounters();
    private final WsHubOptions options;
    private final Broker broker;
    private final Topics topics;
    private final ConnectionRegistry registry;
    private final HubTimers timers;
    private final HubDelivery delivery;
    private final ClusterView cluster;
    private final ClusterConnections clusterConnections;
    private final DefaultHubAdmin admin;
    private final ProtocolDispatcher dispatcher;
    private final HubRequests requests;
    private final HubPublishing publishing;
    private final ConnectionHost host;
    private final Subprotocols subprotocols;
    private final LogLimiter errorLog = new LogLimiter(10, TimeUnit.SECONDS);
    private final Mono<Void> closeMono;
    /** Open until close(); close() takes its snapshot once no serve is between the gate and its registration. */
    private final ServeGate gate = new ServeGate();

    public DefaultWsHub(WsHubOptions options) {
        this.options = options;
        this.host = new HubHost(this, options, counters, errorLog);
        this.subprotocols = new Subprotocols(options);
        this.broker = options.broker();
        this.topics = new Topics(options.limits().maxConnectionsPerTopic(), options.limits().maxTopicsPerConnection(),
                this::interest, counters.failed::increment,
                this::onMembership);
        this.registry = new ConnectionRegistry(options.limits().maxConnections(), options.limits().maxConnectionsPerUser(), topics);
        this.timers = new HubTimers(options, registry, host);
        this.delivery = new HubDelivery(options.codec(), broker, options.history(), timers.scheduler(), topics, registry,
                counters, errorLog, this::onControl);
        this.cluster = new ClusterView(options, topics, delivery, this::stats, errorLog);
        this.clusterConnections = new ClusterConnections(options, registry, topics, counters, errorLog);
        this.admin = new DefaultHubAdmin(this, registry, delivery, cluster, clusterConnections);
        this.requests = new HubRequests(registry, broker, options.codec(),
                options.limits().maxPendingRequestsPerConnection(), counters, errorLog);
        this.dispatcher = new ProtocolDispatcher(host, topics, delivery, requests, this);
        this.publishing = new HubPublishing(delivery, options.topicPolicy());
        this.closeMono = Mono.defer(this::doClose).cache();
        start();
    }

    // The parts are made in order and some tell an earlier one about events: these forward to them.
    private Mono<Void> interest(String topic, boolean on) {
        return delivery.interest(topic, on);
    }

    private void onMembership(HubConnection c, String topic, boolean joined) {
        cluster.onMembership(c, topic, joined);
    }

    private void onControl(BrokerMessage m) {
        if (m.kind() == BrokerMessage.Kind.REQUEST || m.kind() == BrokerMessage.Kind.REPLY) {
            requests.onBrokerMessage(m);
        } else if (!clusterConnections.onControl(m)) {
            admin.onControl(m);
        }
    }

    private void start() {
        primeCodec(options.codec());
        options.codecs().forEach(DefaultWsHub::primeCodec);
        timers.start();
        cluster.start(timers.scheduler(), timers::add);
        timers.add(delivery.receive());
        log.info("hub started node={} heartbeat_ms={} connection_timeout_ms={} cleanup_ms={} max_connections={} queue={} overflow={}",
                broker.nodeId(), options.heartbeat().interval().toMillis(), options.heartbeat().connectionTimeout().toMillis(),
                options.heartbeat().cleanupInterval().toMillis(), options.limits().maxConnections(), options.limits().outboundQueueSize(), options.limits().overflowPolicy());
    }

    /**
     * Decodes one message with a tree payload before any connection exists. Jackson builds its
     * deserializers lazily under a lock; several event loops decoding their first message at once
     * would contend on it (and park, a blocking call on an event loop).
     */
    static void primeCodec(WsCodec codec) {
        try {
            String sample = "{\"type\":\"prime\",\"topic\":\"t\",\"id\":\"1\",\"data\":{\"a\":[1,1.5,\"s\",true,null,{}]}}";
            codec.decode(codec.binary() ? codec.encode(WsCodec.json().decode(sample)) : sample.getBytes(StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            log.debug("codec priming skipped codec={} error={}", codec.getClass().getName(), e.toString());
        }
    }

    @Override
    public WsHubOptions options() {
        return options;
    }

    // ---------------------------------------------------------------- publishing with an outcome

    @Override
    public Mono<PublishResult> publish(String topic, String type, Object data) {
        return publishing.toTopic(topic, type, data);
    }

    @Override
    public Mono<PublishResult> publish(Set<String> topicNames, String type, Object data) {
        return publishing.toTopics(topicNames, type, data);
    }

    @Override
    public Mono<PublishResult> publishToUser(String userId, String type, Object data) {
        return publishing.toUser(userId, type, data);
    }

    @Override
    public Mono<PublishResult> publishAs(WsConnectionView sender, String topic, String type, Object data) {
        return publishing.as(sender, topic, type, data);
    }

    @Override
    public Flux<PublishResult> publishAll(String topic, String type, Publisher<?> data, int maxInFlight) {
        return publishing.all(topic, type, data, maxInFlight);
    }

    // ---------------------------------------------------------------- admission and registry

    @Override
    public Mono<Admission> admit(HandshakeInfo handshake) {
        return Mono.defer(() -> {
            if (!gate.isOpen()) {
                return Mono.just(Admission.refused(503, "server shutting down"));
            }
            if (!Origins.allowed(handshake, options.allowedOrigins())) {
                return Mono.just(Admission.refused(403, "origin not allowed"));
            }
            if (options.authenticator() == null) {
                return Mono.just(Admission.accepted(null));
            }
            return ConnectionCredentials.authenticate(host, options.authenticator(), handshake.token(), handshake);
        }).map(a -> subprotocols.answer(a, handshake)).doOnNext(a -> {
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
            // Either the gate is shut and the serve refused, or close() waits until it has registered:
            // no connection opens behind close()'s snapshot.
            if (!gate.enter()) {
                counters.rejected.increment();
                return transport.close(WsCloseStatus.GOING_AWAY);
            }
            try {
                return register(transport, admission, initialTopics);
            } finally {
                gate.leave();
            }
        });
    }

    private Mono<Void> register(WsTransport transport, Admission admission, Set<String> initialTopics) {
        String limit = registry.takeSlot();
        HubConnection c = null;
        if (limit == null) {
            c = new HubConnection(ConnectionRegistry.newId(), admission.userId(), transport, host, timers.nowMillis(),
                    subprotocols.codecOf(admission.subprotocol()));
            delivery.learn(transport);
            limit = registry.joinUser(c);
            if (limit != null) {
                c = null;
            }
        }
        if (c == null) {
            counters.rejected.increment();
            log.info("connection refused code=1013 reason=\"limit\" limit={} user={} remote={}", limit,
                    admission.userId(), transport.handshake().remoteAddress());
            return transport.close(WsCloseStatus.TRY_AGAIN_LATER);
        }
        return run(c, admission, initialTopics);
    }

    private Mono<Void> run(HubConnection c, Admission admission, Set<String> initialTopics) {
        registry.add(c);
        counters.accepted.increment();
        c.open();
        if (log.isDebugEnabled()) {
            log.debug("connection opened conn={} user={} remote={}", c.id, c.userId, c.transport.handshake().remoteAddress());
        }
        if (admission.expiresAt() != null) {
            c.credentials().expireAt(admission.expiresAt());
        }
        // Sending starts first: with the transport's demand already there, the welcome goes straight
        // to the transport, and a connection whose queue never backs up never allocates one.
        TransportPump session = new TransportPump(c, host, dispatcher);
        session.startSending();
        c.offer(c.frameOf(WsMessage.welcome(c.id, c.userId, options.heartbeat().interval().toMillis())));
        for (String topic : initialTopics) {
            dispatcher.onSubscribe(c, WsMessage.subscribe(topic));
        }
        for (ConnectionListener l : options.connectionListeners()) {
            notifyListener(l, c, true);
        }
        return session;
    }

    /**
     * Removes a connection from every index and closes its transport with {@code ifOpen} unless the
     * hub closed it already or {@code ifOpen} is null (the transport ended by itself); idempotent.
     */
    private boolean unregister(HubConnection c, String why, WsCloseStatus ifOpen) {
        // Closed before it leaves the registry: close() waits for every connection its snapshot
        // finds, so one already gone from it must have had its transport closed already.
        c.markClosed(ifOpen);
        if (!registry.remove(c)) {
            return false;
        }
        for (ConnectionListener l : options.connectionListeners()) {
            notifyListener(l, c, false);
        }
        c.disposeCredentials();
        topics.unsubscribeAll(c);
        c.queue.complete();
        if (log.isDebugEnabled()) {
            WsCloseStatus st = c.closeStatus;
            log.debug("connection closed conn={} user={} code={} reason=\"{}\" removed_by={} duration_ms={} received={} sent={}"
                    + " dropped={}", c.id, c.userId, st == null ? "peer" : st.code(),
                    st == null ? "closed by client or network" : st.reason(), why, timers.nowMillis() - c.createdAtMillis,
                    c.received, c.queue.sent(), c.dropped);
        }
        c.terminated.tryEmitEmpty();
        return true;
    }

    private void notifyListener(ConnectionListener l, HubConnection c, boolean open) {
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

    // ---------------------------------------------------------------- sending

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
        topicNames.forEach(TopicName::requireValid);
        return delivery.deliverAndPublish(BrokerMessage.Kind.TOPIC, new LinkedHashSet<>(topicNames),
                WsMessage.of(type, null, data), Set.of());
    }

    @Override
    public int broadcast(WsMessage message, Set<String> excludedConnectionIds) {
        TopicName.requireValid(message.topic());
        return delivery.deliverAndPublish(BrokerMessage.Kind.TOPIC, List.of(message.topic()), message, excludedConnectionIds);
    }

    @Override
    public int sendToUser(String userId, String type, Object data) {
        return sendToUser(userId, type, data, Set.of());
    }

    @Override
    public boolean sendTo(String connectionId, WsMessage message) {
        HubConnection c = registry.get(connectionId);
        return c != null && c.offer(c.frameOf(message));
    }

    @Override
    public boolean subscribe(String connectionId, String topic) {
        return clusterConnections.subscribeQuietly(connectionId, topic);
    }

    @Override
    public boolean unsubscribe(String connectionId, String topic) {
        HubConnection c = registry.get(connectionId);
        return c != null && topics.unsubscribe(c, topic);
    }

    @Override
    public int sendToUser(String userId, String type, Object data, Set<String> excludedConnectionIds) {
        Objects.requireNonNull(userId, "userId");
        return delivery.deliverAndPublish(BrokerMessage.Kind.USER, List.of(userId), WsMessage.of(type, null, data), excludedConnectionIds);
    }

    @Override
    public Mono<ConnectionOutcome> sendToConnection(String connectionId, WsMessage message) {
        return clusterConnections.send(connectionId, message);
    }

    @Override
    public Mono<ConnectionOutcome> subscribeConnection(String connectionId, String topic) {
        return clusterConnections.subscribe(connectionId, topic);
    }

    @Override
    public Mono<ConnectionOutcome> unsubscribeConnection(String connectionId, String topic) {
        return clusterConnections.unsubscribe(connectionId, topic);
    }

    @Override
    public Mono<WsMessage> request(String connectionId, WsMessage message, Duration timeout) {
        return requests.request(connectionId, message, timeout);
    }

    /** The hub's requests to clients, for tests that check what waits. */
    HubRequests requests() {
        return requests;
    }

    @Override
    public Flux<WsMessage> topic(String topic) {
        TopicName.requireValid(topic);
        return topics.inProcess(topic)
                .onBackpressureBuffer(options.limits().outboundQueueSize(), dropped -> counters.dropped.increment(),
                        BufferOverflowStrategy.DROP_OLDEST)
                .map(TopicEvent::message);
    }

    @Override
    public Mono<Presence> presence(String topic) {
        return cluster.presence(topic);
    }

    @Override
    public Optional<WsConnectionView> connection(String connectionId) {
        return Optional.ofNullable(registry.get(connectionId));
    }

    // ---------------------------------------------------------------- admin

    @Override
    public HubAdmin admin() {
        return admin;
    }

    /** The counters behind {@link HubAdmin#stats()}. */
    HubStats stats() {
        Map<ConnectionState, Integer> states = new EnumMap<>(ConnectionState.class);
        for (ConnectionState s : ConnectionState.values()) {
            states.put(s, 0);
        }
        for (HubConnection c : registry.all()) {
            states.merge(c.state(), 1, Integer::sum);
        }
        return new HubStats(registry.size(), counters.accepted.sum(), counters.rejected.sum(), registry.users(),
                counters.received.sum(), counters.sent.sum(), counters.dropped.sum(), counters.failed.sum(),
                counters.errors.sum(), counters.broadcasts.sum(), Map.copyOf(states), topics.subscriberCounts(),
                counters.cleanupRuns.sum(), counters.removedStale.sum(), counters.removedFailed.sum(),
                counters.removedClosed.sum(), counters.heartbeatTimeouts.sum(), broker.isConnected());
    }

    /** The sweep behind {@link HubAdmin#cleanup()}. */
    Mono<CleanupReport> cleanup() {
        return Mono.fromCallable(timers::sweep);
    }

    // ---------------------------------------------------------------- graceful close

    @Override
    public boolean isAccepting() {
        return gate.isOpen();
    }

    @Override
    public Mono<Void> close() {
        return closeMono;
    }

    private Mono<Void> doClose() {
        return gate.shut().then(Mono.defer(this::closeConnections));
    }

    private Mono<Void> closeConnections() {
        return timers.closeConnections()
                // Off the event loops: cancelling scheduled tasks and shutting the timer executor
                // down take the executor's lock, which may be contended (a park BlockHound reports).
                .then(timers.offNonBlockingThread(Mono.defer(() -> {
                    timers.dispose();
                    // Every connection is gone: withdraw this node's heartbeat and entries now rather than at their expiry.
                    return cluster.withdraw().then(broker.close()).onErrorResume(e -> {
                        log.warn("broker close failed node={} error={}", broker.nodeId(), e.toString());
                        return Mono.empty();
                    });
                })))
                .then(timers.offNonBlockingThread(Mono.fromRunnable(timers::disposeOwnScheduler)))
                .doOnTerminate(topics::close)
                .doOnTerminate(() -> log.info("hub closed node={} total_connections={} messages_sent={}", broker.nodeId(),
                        counters.accepted.sum(), counters.sent.sum()))
                .doFinally(s -> {
                    if (s != SignalType.ON_COMPLETE) {
                        timers.disposeOwnScheduler();
                    }
                });
    }

    HubTimers timers() {
        return timers;
    }

    HubDelivery delivery() {
        return delivery;
    }

    boolean unregisterConnection(HubConnection c, String why, WsCloseStatus ifOpen) {
        return unregister(c, why, ifOpen);
    }
}
