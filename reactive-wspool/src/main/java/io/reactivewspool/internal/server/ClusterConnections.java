package io.reactivewspool.internal.server;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import io.reactivewspool.WsException;
import io.reactivewspool.broker.Broker;
import io.reactivewspool.broker.BrokerMessage;
import io.reactivewspool.internal.LogLimiter;
import io.reactivewspool.internal.server.ConnectionOps.Action;
import io.reactivewspool.internal.server.ConnectionOps.Reply;
import io.reactivewspool.internal.server.ConnectionOps.Request;
import io.reactivewspool.internal.server.ConnectionOps.Result;
import io.reactivewspool.message.TopicName;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.ConnectionInfo;
import io.reactivewspool.server.ConnectionOutcome;
import io.reactivewspool.server.ConnectionPage;
import io.reactivewspool.server.ConnectionState;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.server.WsHubOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * Operations on one connection wherever it lives in the cluster (send, subscribe, unsubscribe,
 * look up) and the cluster-wide connection listing. A connection of this node is served here; any
 * other id becomes one {@code CONTROL} request to every node ({@link ConnectionOps}), which every
 * node answers, found or not, to the asking node alone. The answer is the holder's reply as soon
 * as it comes; "not found" once every live node ({@link Broker#liveNodes()}) has said so; "no
 * answer", naming the silent nodes, when the cluster request timeout passes first.
 *
 * <p>Cost per request to a connection of another node: one publish, one read of the live nodes,
 * and one reply publish from each other node (each node hears every reply and drops the ones not
 * addressed to it by their verb, without decoding them).
 *
 * <p>An operation runs on the connection's own I/O thread when its transport names one, so the
 * server-side changes of a connection and the {@code subscribed}/{@code unsubscribed} notices its
 * client gets are in one order, the client's own subscribe and unsubscribe included.
 */
final class ClusterConnections {

    private static final Logger log = LoggerFactory.getLogger(WsHub.class);
    /** Requests of this node waiting for answers at most; past it a request fails at once. */
    static final int MAX_IN_FLIGHT = 10_000;
    /** The envelope of a message to send travels as JSON text, whatever the hub's codec. */
    private static final WsCodec ENVELOPE = WsCodec.json();
    private static final Comparator<ConnectionInfo> OLDEST_FIRST =
            Comparator.comparing(ConnectionInfo::createdAt).thenComparing(ConnectionInfo::connectionId);

    private final Broker broker;
    private final boolean clustered;
    private final Duration timeout;
    private final WsHubOptions options;
    private final ConnectionRegistry registry;
    private final Topics topics;
    private final HubCounters counters;
    private final LogLimiter errorLog;
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();

    ClusterConnections(WsHubOptions options, ConnectionRegistry registry, Topics topics, HubCounters counters,
                       LogLimiter errorLog) {
        this.options = options;
        this.broker = options.broker();
        this.clustered = broker.reachesOtherNodes();
        this.timeout = options.cluster().requestTimeout();
        this.registry = registry;
        this.topics = topics;
        this.counters = counters;
        this.errorLog = errorLog;
    }

    Mono<ConnectionOutcome> send(String connectionId, WsMessage message) {
        Objects.requireNonNull(message, "message");
        return operate(Action.SEND, connectionId, null, message);
    }

    Mono<ConnectionOutcome> subscribe(String connectionId, String topic) {
        TopicName.requireValid(topic);
        return operate(Action.SUBSCRIBE, connectionId, topic, null);
    }

    Mono<ConnectionOutcome> unsubscribe(String connectionId, String topic) {
        TopicName.requireValid(topic);
        return operate(Action.UNSUBSCRIBE, connectionId, topic, null);
    }

    Mono<ConnectionOutcome> find(String connectionId) {
        return operate(Action.FIND, connectionId, null, null);
    }

    /** One page of the matching connections of every live node, oldest first. */
    Mono<ConnectionPage> list(String userId, String topic, int page, int limit) {
        ConnectionPage.check(page, limit);
        int window = page * limit;
        return Mono.defer(() -> {
            ConnectionRegistry.Window here = registry.window(userId, topic, window);
            if (!clustered) {
                return Mono.just(assemble(here, Map.of(), page, limit, List.of()));
            }
            Request r = new Request(ConnectionRegistry.newId(), broker.nodeId(), Action.LIST, null, topic, null, userId, window);
            return ask(r, true).map(p -> p.page(here, page, limit));
        });
    }

    private Mono<ConnectionOutcome> operate(Action action, String connectionId, String topic, WsMessage message) {
        Objects.requireNonNull(connectionId, "connectionId");
        return Mono.defer(() -> {
            HubConnection c = registry.get(connectionId);
            if (c != null) {
                return applyHere(action, c, topic, message).map(a -> a.outcome(connectionId, broker.nodeId()));
            }
            if (!clustered) {
                return Mono.just(new ConnectionOutcome(connectionId, ConnectionOutcome.Status.NOT_FOUND, null,
                        "no connection '" + connectionId + "' on this hub (its broker reaches no other node)", null));
            }
            String envelope = message == null ? null : new String(ENVELOPE.encode(message), StandardCharsets.UTF_8);
            Request r = new Request(ConnectionRegistry.newId(), broker.nodeId(), action, connectionId, topic, envelope, null, 0);
            return ask(r, false).map(p -> p.outcome(connectionId));
        });
    }

    /** Publishes a request and waits for the answers (all of them when {@code gather}), at most the timeout. */
    private Mono<Pending> ask(Request r, boolean gather) {
        if (pending.size() >= MAX_IN_FLIGHT) {
            return Mono.error(new WsException("cluster request " + describe(r) + " refused: " + MAX_IN_FLIGHT
                    + " requests of this node already wait for answers; retry later"));
        }
        Pending p = new Pending(gather);
        pending.put(r.requestId(), p);
        BrokerMessage out = new BrokerMessage(BrokerMessage.Kind.CONTROL, ConnectionOps.REQUEST, ConnectionOps.encode(r),
                broker.nodeId(), Set.of());
        return broker.publish(out)
                .onErrorMap(e -> new WsException("cluster request " + describe(r) + " could not reach the other nodes: "
                        + e.getMessage() + "; retry once the broker is connected", e))
                .then(Mono.defer(() -> {
                    // Read beside the answers: who must answer before "nobody has it" can be said.
                    broker.liveNodes().timeout(timeout, Schedulers.parallel())
                            .subscribe(p::live, p::liveUnknown, () -> p.liveUnknown(null));
                    return p.done.asMono().timeout(timeout, Mono.fromSupplier(() -> p), Schedulers.parallel());
                }))
                .doFinally(s -> pending.remove(r.requestId()));
    }

    private static String describe(Request r) {
        return r.action().name().toLowerCase() + (r.connectionId() == null ? "" : " of connection '" + r.connectionId() + "'");
    }

    /**
     * A {@code CONTROL} message of another node for these operations: a request (answered), or a
     * reply (taken when it is for this node). {@code false} when it is none of them.
     */
    boolean onControl(BrokerMessage m) {
        String verb = m.targets().get(0);
        if (verb.startsWith(ConnectionOps.REPLY_PREFIX)) {
            if (verb.regionMatches(ConnectionOps.REPLY_PREFIX.length(), broker.nodeId(), 0, broker.nodeId().length())
                    && verb.length() == ConnectionOps.REPLY_PREFIX.length() + broker.nodeId().length()) {
                Reply reply = ConnectionOps.decodeReply(m.payload());
                Pending p = reply == null ? null : pending.get(reply.requestId());
                if (p != null) {
                    p.reply(reply);
                } else if (reply == null) {
                    malformed(m);
                }
            }
            return true;
        }
        if (!ConnectionOps.REQUEST.equals(verb)) {
            return false;
        }
        Request r = ConnectionOps.decodeRequest(m.payload());
        if (r == null) {
            malformed(m);
        } else {
            answer(r);
        }
        return true;
    }

    private void malformed(BrokerMessage m) {
        counters.failed.increment();
        if (errorLog.acquire() >= 0) {
            log.warn("malformed cluster connection message ignored node={} origin={} verb={}", broker.nodeId(),
                    m.originNodeId(), m.targets().get(0));
        }
    }

    private void answer(Request r) {
        Mono<Reply> reply;
        if (r.action() == Action.LIST) {
            reply = Mono.fromSupplier(() -> {
                ConnectionRegistry.Window w = registry.window(r.userId(), r.topic(), Math.max(1, Math.min(r.window(), ConnectionPage.MAX_WINDOW)));
                return new Reply(r.requestId(), broker.nodeId(), Result.DONE, null, null, w.connections(), w.total());
            });
        } else {
            HubConnection c = r.connectionId() == null ? null : registry.get(r.connectionId());
            if (c == null) {
                reply = Mono.just(new Reply(r.requestId(), broker.nodeId(), Result.NOT_FOUND, null, null, null, 0));
            } else {
                WsMessage message = null;
                String problem = null;
                try {
                    message = r.message() == null ? null : ENVELOPE.decode(r.message());
                    if (r.action() == Action.SEND && message == null || r.action() == Action.SUBSCRIBE && r.topic() == null
                            || r.action() == Action.UNSUBSCRIBE && r.topic() == null) {
                        problem = "the request lacks its " + (r.action() == Action.SEND ? "message" : "topic");
                    }
                } catch (RuntimeException e) {
                    problem = "the message could not be decoded: " + e.getMessage();
                }
                reply = problem != null
                        ? Mono.just(new Reply(r.requestId(), broker.nodeId(), Result.REFUSED, problem, null, null, 0))
                        : applyHere(r.action(), c, r.topic(), message)
                                .map(a -> new Reply(r.requestId(), broker.nodeId(), a.result, a.detail, a.info, null, 0));
            }
        }
        reply.flatMap(rep -> broker.publish(new BrokerMessage(BrokerMessage.Kind.CONTROL,
                        ConnectionOps.REPLY_PREFIX + r.replyTo(), ConnectionOps.encode(rep), broker.nodeId(), Set.of())))
                .subscribe(null, e -> {
                    counters.failed.increment();
                    if (errorLog.acquire() >= 0) {
                        log.warn("cluster connection reply failed node={} to={} action={} error={}", broker.nodeId(),
                                r.replyTo(), r.action(), e.toString());
                    }
                });
    }

    /** What an operation did to a connection of this node. */
    private record Applied(Result result, String detail, ConnectionInfo info) {
        ConnectionOutcome outcome(String connectionId, String nodeId) {
            return new ConnectionOutcome(connectionId, ConnectionOutcome.Status.valueOf(result.name()), nodeId, detail, info);
        }
    }

    /** Runs an operation on a connection of this node, on the connection's I/O thread when it has one. */
    private Mono<Applied> applyHere(Action action, HubConnection c, String topic, WsMessage message) {
        Mono<Applied> op = Mono.defer(() -> switch (action) {
            case SEND -> Mono.just(sendHere(c, message));
            case SUBSCRIBE -> subscribeHere(c, topic);
            case UNSUBSCRIBE -> Mono.just(unsubscribeHere(c, topic));
            case FIND, LIST -> Mono.just(new Applied(Result.DONE, null, c.info()));
        });
        Optional<Executor> executor = c.transport.executor();
        if (action == Action.FIND || executor.isEmpty()) {
            return op;
        }
        return Mono.create(sink -> {
            Runnable task = () -> op.subscribe(sink::success, sink::error);
            try {
                executor.get().execute(task);
            } catch (RejectedExecutionException shutDown) {
                task.run();
            }
        });
    }

    private Applied sendHere(HubConnection c, WsMessage message) {
        ConnectionState before = c.state();
        if (c.send(message)) {
            return new Applied(Result.DONE, null, null);
        }
        return new Applied(Result.REFUSED, before != ConnectionState.OPEN && before != ConnectionState.CONNECTING
                ? "the connection is closing (" + before + ")"
                : "the outbound queue is full (" + options.limits().outboundQueueSize() + " messages, overflow policy "
                        + options.limits().overflowPolicy() + ")", null);
    }

    /** {@link WsHub#subscribe(String, String)}: a connection of this node, its client not told. */
    boolean subscribeQuietly(String connectionId, String topic) {
        TopicName.requireValid(topic);
        HubConnection c = registry.get(connectionId);
        Topics.Result r = c == null ? null : subscribeOpen(c, topic);
        return r == Topics.Result.SUBSCRIBED || r == Topics.Result.ALREADY;
    }

    /** Subscribes; {@code null} when the connection closed meanwhile (the subscription is undone). */
    private Topics.Result subscribeOpen(HubConnection c, String topic) {
        Topics.Result r = topics.subscribe(c, topic);
        if (r == Topics.Result.SUBSCRIBED && c.state() == ConnectionState.CLOSED) {
            topics.unsubscribe(c, topic); // lost a race with unregister
            return null;
        }
        return r;
    }

    private Mono<Applied> subscribeHere(HubConnection c, String topic) {
        Topics.Result r = subscribeOpen(c, topic);
        if (r == null) {
            return Mono.just(new Applied(Result.REFUSED, "the connection is closing (CLOSED)", null));
        }
        switch (r) {
            case SUBSCRIBED -> {
                c.send(notice(WsMessage.SUBSCRIBED, topic));
                // Done once the broker carries the topic here: a broadcast from any node then reaches it.
                return topics.ready(topic).thenReturn(new Applied(Result.DONE, null, null))
                        .onErrorResume(e -> Mono.just(new Applied(Result.DONE, "subscribed, but the broker did not take the topic: "
                                + e.getMessage() + "; messages from other nodes may not arrive", null)));
            }
            case ALREADY -> {
                return Mono.just(new Applied(Result.UNCHANGED, "already subscribed to '" + topic + "'", null));
            }
            case TOO_MANY_TOPICS -> {
                return Mono.just(new Applied(Result.REFUSED, "subscription limit reached: at most "
                        + options.limits().maxTopicsPerConnection() + " topics per connection", null));
            }
            default -> {
                return Mono.just(new Applied(Result.REFUSED, "topic '" + topic + "' is full: at most "
                        + options.limits().maxConnectionsPerTopic() + " subscribers", null));
            }
        }
    }

    private Applied unsubscribeHere(HubConnection c, String topic) {
        if (topics.unsubscribe(c, topic)) {
            c.send(notice(WsMessage.UNSUBSCRIBED, topic));
            return new Applied(Result.DONE, null, null);
        }
        return new Applied(Result.UNCHANGED, "not subscribed to '" + topic + "'", null);
    }

    /** What the client is told of a server-side subscription change: no {@code id}, {@code data.by} "server". */
    private static WsMessage notice(String type, String topic) {
        return WsMessage.builder(type).topic(topic).data(Map.of("by", "server")).build();
    }

    private ConnectionPage assemble(ConnectionRegistry.Window here, Map<String, Reply> replies, int page, int limit,
                                    List<String> unanswered) {
        List<ConnectionInfo> all = new ArrayList<>(here.connections());
        int total = here.total();
        Set<String> answered = new TreeSet<>();
        answered.add(broker.nodeId());
        for (Reply r : replies.values()) {
            answered.add(r.node());
            total += r.total();
            if (r.connections() != null) {
                all.addAll(r.connections());
            }
        }
        all.sort(OLDEST_FIRST);
        int from = Math.min(all.size(), (page - 1) * limit);
        return new ConnectionPage(all.subList(from, Math.min(all.size(), from + limit)), page, limit, total,
                List.copyOf(answered), unanswered);
    }

    /** One request's answers so far; completes when they decide it. */
    private final class Pending {

        final Sinks.One<Pending> done = Sinks.one();
        private final boolean gather;
        private final Map<String, Reply> replies = new TreeMap<>();
        /** The live nodes but this one; {@code null} until read, or when they could not be. */
        private Set<String> expected;
        private String liveProblem = "the live nodes were not read in time";
        private Reply found;

        Pending(boolean gather) {
            this.gather = gather;
        }

        void reply(Reply r) {
            boolean decided;
            synchronized (this) {
                replies.put(r.node(), r);
                if (!gather && found == null && r.result() != Result.NOT_FOUND) {
                    found = r;
                }
                decided = decided();
            }
            // Emitted outside the lock: what follows runs the caller's pipeline.
            if (decided) {
                done.tryEmitValue(this);
            }
        }

        void live(Set<String> nodes) {
            boolean decided;
            synchronized (this) {
                expected = new TreeSet<>(nodes);
                expected.remove(broker.nodeId());
                decided = decided();
            }
            if (decided) {
                done.tryEmitValue(this);
            }
        }

        synchronized void liveUnknown(Throwable e) {
            if (expected == null) {
                liveProblem = e == null ? "the broker does not list its live nodes" : "the live nodes could not be read: " + e;
            }
        }

        private boolean decided() {
            return found != null || expected != null && replies.keySet().containsAll(expected);
        }

        private List<String> silent() {
            if (expected == null) {
                return List.of();
            }
            List<String> s = new ArrayList<>(expected);
            s.removeAll(replies.keySet());
            return s;
        }

        synchronized ConnectionOutcome outcome(String connectionId) {
            if (found != null) {
                return new ConnectionOutcome(connectionId, ConnectionOutcome.Status.valueOf(found.result().name()), found.node(),
                        found.detail(), found.info());
            }
            List<String> silent = silent();
            if (expected != null && silent.isEmpty()) {
                return new ConnectionOutcome(connectionId, ConnectionOutcome.Status.NOT_FOUND, null,
                        "no live node holds it (answered: " + broker.nodeId() + (replies.isEmpty() ? "" : ", "
                                + String.join(", ", replies.keySet())) + ")", null);
            }
            return new ConnectionOutcome(connectionId, ConnectionOutcome.Status.NO_ANSWER, null,
                    "no node reported it within " + timeout.toMillis() + " ms; "
                            + (expected == null ? liveProblem : "no answer from " + String.join(", ", silent)), null);
        }

        synchronized ConnectionPage page(ConnectionRegistry.Window here, int page, int limit) {
            return assemble(here, replies, page, limit, silent());
        }
    }
}
