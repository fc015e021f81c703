package io.reactivewspool.internal.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

import io.reactivewspool.broker.Broker;
import io.reactivewspool.internal.LogLimiter;
import io.reactivewspool.server.ConnectionState;
import io.reactivewspool.server.HubStats;
import io.reactivewspool.server.Presence;
import io.reactivewspool.server.WsHub;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * This node's share of the cluster state in the broker, and the cluster's as read back: per
 * tracked topic, who is subscribed here ({@code {"users":{"alice":2},"connections":3}}), and this
 * node's stats (the admin API's snake_case {@link HubStats} JSON).
 *
 * <p>It writes what changed only: a membership change marks its topic, and each {@link #flush()}
 * sends the marked topics in one {@link Broker#putNodeState}. One {@link Broker#heartbeat} every
 * third of the TTL keeps every entry alive, so a node at rest costs the broker the same few
 * commands whatever its number of topics. When the heartbeat finds the entries gone (the broker
 * lost them), the next round writes everything again at once ({@link Broker#replaceNodeState}).
 * At most one write round is in flight, so writes land in the order they were made; the heartbeat
 * runs beside them, so a long round never makes the node look dead.
 */
final class ClusterState {

    /** The broker state of the tracked topics' presence, keyed by topic. */
    static final String PRESENCE = "presence";
    /** The broker state of the nodes' stats, under the one key {@value}. */
    static final String STATS = "stats";
    /** The longest a read waits for the other nodes' shares. */
    static final Duration READ_TIMEOUT = Duration.ofSeconds(3);
    /** The longest a write round may take before the next one writes everything again. */
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(30);

    private static final Logger log = LoggerFactory.getLogger(WsHub.class);
    private static final JsonMapper JSON = JsonMapper.shared();
    private static final JsonMapper SNAKE = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .build();

    static {
        // Jackson builds its (de)serializers lazily under a lock; build them here, not on an I/O thread.
        readPresence(presenceJson(new Presence("t", Map.of("a", 1), 1)), new TreeMap<>());
        readStats(statsJson(new HubStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                Map.of(ConnectionState.OPEN, 0), new TreeMap<>(Map.of("t", 0)), 0, 0, 0, 0, 0, true)));
    }

    private final Broker broker;
    private final Duration ttl;
    private final Function<String, Presence> localPresence;
    private final Supplier<Collection<String>> trackedTopics;
    private final Supplier<HubStats> stats;
    private final LogLimiter errorLog;
    /** Topics whose entry must be written (or removed) in the next round; at most one mark per topic. */
    private final Set<String> dirty = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean writing = new AtomicBoolean();
    private final AtomicBoolean beating = new AtomicBoolean();
    /** Write everything again; set at start (entries of an earlier run under this node id may linger). */
    private volatile boolean resync = true;
    private volatile boolean statsDue = true;
    private volatile boolean closed;
    private volatile String lastStats;
    private volatile Mono<Void> round = Mono.empty();
    private volatile Mono<Void> beat = Mono.empty();

    /**
     * @param localPresence a tracked topic's subscribers on this node
     * @param trackedTopics the tracked topics with subscribers on this node
     * @param stats         this node's stats
     */
    ClusterState(Broker broker, Duration ttl, Function<String, Presence> localPresence,
                 Supplier<Collection<String>> trackedTopics, Supplier<HubStats> stats, LogLimiter errorLog) {
        this.broker = broker;
        this.ttl = ttl;
        this.localPresence = localPresence;
        this.trackedTopics = trackedTopics;
        this.stats = stats;
        this.errorLog = errorLog;
    }

    /** A tracked topic's subscribers on this node changed. */
    void changed(String topic) {
        dirty.add(topic);
    }

    /**
     * Refreshes the heartbeat (every third of the TTL), on its own: a long write round never
     * delays it. Marks the stats for the next round. Skipped while the previous one is in flight.
     */
    void heartbeat() {
        statsDue = true;
        if (closed || !broker.isConnected() || !beating.compareAndSet(false, true)) {
            return;
        }
        launch(broker.heartbeat(ttl)
                .doOnNext(intact -> {
                    if (!intact) {
                        resync = true;
                    }
                })
                .then(), beating, e -> warn("heartbeat", e), b -> beat = b);
    }

    /**
     * One write round (every 100 ms): everything again when needed (at start, after the broker
     * lost the entries, after a failed replace), else the marked topics; and the stats when a
     * heartbeat passed and they changed. Skipped while the previous round is in flight and while
     * the broker is disconnected (the marks wait).
     */
    void flush() {
        if (closed || !broker.isConnected() || !writing.compareAndSet(false, true)) {
            return;
        }
        launch(Mono.defer(() -> {
            if (resync) {
                resync = false;
                return writeAll();
            }
            Mono<Void> s = statsDue ? writeStats() : Mono.empty();
            statsDue = false;
            return writeChanged().then(s);
        }), writing, e -> {
            if (e instanceof TimeoutException) { // the writes told their own failures
                resync = true; // what the round took may or may not land: write it all again
                warn("write round", e);
            }
        }, r -> round = r);
    }

    /**
     * Starts {@code work}, bounded by {@link #WRITE_TIMEOUT}, clearing {@code inFlight} when it ends;
     * {@code store} keeps it for {@link #withdraw()} to wait on.
     */
    private void launch(Mono<Void> work, AtomicBoolean inFlight, Consumer<Throwable> onError, Consumer<Mono<Void>> store) {
        Mono<Void> r = work.timeout(WRITE_TIMEOUT, Schedulers.parallel())
                .doOnError(onError)
                .onErrorResume(e -> Mono.empty())
                .doFinally(s -> inFlight.set(false))
                .cache();
        store.accept(r);
        // With withdraw(): whichever of the two sees the other's write, nothing lands after the withdrawal.
        if (!closed) {
            r.subscribe();
        }
    }

    private Mono<Void> writeChanged() {
        if (dirty.isEmpty()) {
            return Mono.empty();
        }
        Map<String, String> entries = new HashMap<>();
        List<String> removed = new ArrayList<>();
        List<String> taken = List.copyOf(dirty);
        for (String topic : taken) {
            dirty.remove(topic); // before reading it: a change from now on marks it again
            Presence p = localPresence.apply(topic);
            if (p.connections() == 0) {
                removed.add(topic);
            } else {
                entries.put(topic, presenceJson(p));
            }
        }
        // A failed write may or may not have landed: mark its topics again, the next round writes
        // their state as it is then (after this one on the same connection, so it lands last).
        return broker.putNodeState(PRESENCE, entries, removed, ttl)
                .doOnError(e -> {
                    dirty.addAll(taken);
                    warn("presence write", e);
                });
    }

    private Mono<Void> writeAll() {
        dirty.clear(); // before reading: a change from now on marks its topic again
        Map<String, String> entries = new HashMap<>();
        for (String topic : trackedTopics.get()) {
            Presence p = localPresence.apply(topic);
            if (p.connections() > 0) {
                entries.put(topic, presenceJson(p));
            }
        }
        String json = statsJson(stats.get());
        return broker.replaceNodeState(PRESENCE, entries, ttl)
                .then(broker.replaceNodeState(STATS, Map.of(STATS, json), ttl))
                .doOnSuccess(v -> lastStats = json)
                .doOnError(e -> {
                    resync = true;
                    warn("cluster state replace", e);
                });
    }

    private Mono<Void> writeStats() {
        String json = statsJson(stats.get());
        if (json.equals(lastStats)) {
            return Mono.empty(); // the heartbeat keeps the entry written last alive
        }
        return broker.putNodeState(STATS, Map.of(STATS, json), List.of(), ttl)
                .doOnSuccess(v -> lastStats = json)
                .doOnError(e -> {
                    statsDue = true;
                    warn("stats write", e);
                });
    }

    private void warn(String what, Throwable e) {
        if (errorLog.acquire() >= 0) {
            log.warn("cluster state {} failed node={} error={}; retried next round", what, broker.nodeId(), e.toString());
        }
    }

    /** Waits for the rounds in flight, then removes this node's heartbeat and entries; nothing starts after. */
    Mono<Void> withdraw() {
        return Mono.defer(() -> {
            closed = true;
            return Mono.when(round, beat).then(broker.removeNodeState());
        });
    }

    /** A tracked topic's presence: this node's share live, with every other live node's entry. */
    Mono<Presence> presence(String topic) {
        return Mono.defer(() -> {
            Presence local = localPresence.apply(topic);
            return broker.nodeStates(PRESENCE, topic)
                    .timeout(READ_TIMEOUT, Schedulers.parallel())
                    .map(byNode -> {
                        Map<String, Integer> users = new TreeMap<>(local.users());
                        int n = local.connections();
                        for (Map.Entry<String, String> e : byNode.entrySet()) {
                            if (!e.getKey().equals(broker.nodeId())) { // this node's share is live above
                                n += readPresence(e.getValue(), users);
                            }
                        }
                        return new Presence(topic, users, n);
                    })
                    .onErrorResume(e -> {
                        if (errorLog.acquire() >= 0) {
                            log.warn("cluster presence unavailable topic={} error={}; answering this node's share",
                                    topic, e.toString());
                        }
                        return Mono.just(local);
                    });
        });
    }

    /** Every live node's stats by node id, this node's live. */
    Mono<Map<String, HubStats>> clusterStats() {
        return Mono.defer(() -> {
            HubStats local = stats.get();
            return broker.nodeStates(STATS, STATS)
                    .timeout(READ_TIMEOUT, Schedulers.parallel())
                    .onErrorResume(e -> {
                        if (errorLog.acquire() >= 0) {
                            log.warn("cluster stats unavailable error={}; answering this node's", e.toString());
                        }
                        return Mono.just(Map.of());
                    })
                    .map(byNode -> {
                        Map<String, HubStats> out = new TreeMap<>();
                        byNode.forEach((node, json) -> {
                            HubStats s = readStats(json);
                            if (s != null) {
                                out.put(node, s);
                            }
                        });
                        out.put(broker.nodeId(), local);
                        return out;
                    });
        });
    }

    static String statsJson(HubStats stats) {
        return SNAKE.writeValueAsString(stats);
    }

    /** The stats in {@code json}, or {@code null} when malformed. */
    static HubStats readStats(String json) {
        try {
            return SNAKE.readValue(json, HubStats.class);
        } catch (JacksonException e) {
            return null;
        }
    }

    static String presenceJson(Presence p) {
        ObjectNode n = JSON.createObjectNode();
        ObjectNode u = n.putObject("users");
        p.users().forEach(u::put);
        n.put("connections", p.connections());
        return n.toString();
    }

    /** Adds one node's presence entry to {@code users}; returns its connections (0 when malformed). */
    static int readPresence(String json, Map<String, Integer> users) {
        try {
            JsonNode n = JSON.readTree(json);
            if (n == null || !n.isObject()) {
                return 0;
            }
            JsonNode u = n.get("users");
            if (u != null && u.isObject()) {
                for (Map.Entry<String, JsonNode> e : u.properties()) {
                    users.merge(e.getKey(), e.getValue().asInt(), Integer::sum);
                }
            }
            JsonNode c = n.get("connections");
            return c == null ? 0 : c.asInt();
        } catch (JacksonException e) {
            return 0;
        }
    }
}
