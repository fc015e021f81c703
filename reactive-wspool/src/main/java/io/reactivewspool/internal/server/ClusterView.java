package io.reactivewspool.internal.server;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.reactivewspool.broker.Broker;
import io.reactivewspool.broker.BrokerMessage;
import io.reactivewspool.internal.LogLimiter;
import io.reactivewspool.message.TopicName;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.HubStats;
import io.reactivewspool.server.Presence;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.server.WsHubOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The hub's view of the cluster: topic presence (who is subscribed, on every node) and every
 * node's stats. With a broker that reaches other nodes, this node's share lives in the broker
 * ({@link ClusterState}) and is refreshed by two timers; with a local broker both are answered
 * from this node's connections.
 */
final class ClusterView {

    private static final Logger log = LoggerFactory.getLogger(WsHub.class);
    static final String PRESENCE_JOIN = "join";
    static final String PRESENCE_LEAVE = "leave";
    /** How often changed presence is written to the broker. */
    private static final Duration PRESENCE_FLUSH = Duration.ofMillis(100);

    private final WsHubOptions options;
    private final Broker broker;
    private final Topics topics;
    private final HubDelivery delivery;
    private final Supplier<HubStats> stats;
    /** This node's presence and stats in the broker; {@code null} with a local broker. */
    private final ClusterState clusterState;

    ClusterView(WsHubOptions options, Topics topics, HubDelivery delivery, Supplier<HubStats> stats, LogLimiter errorLog) {
        this.options = options;
        this.broker = options.broker();
        this.topics = topics;
        this.delivery = delivery;
        this.stats = stats;
        this.clusterState = !broker.reachesOtherNodes() ? null : new ClusterState(broker, options.cluster().stateTtl(),
                this::localPresence, () -> topics.subscriberCounts().keySet().stream().filter(options.cluster()::tracksPresence).toList(),
                stats, errorLog);
    }

    /** Whether the broker reaches other nodes. */
    boolean isClustered() {
        return clusterState != null;
    }

    /** Starts writing this node's share to the broker (nothing with a local broker). */
    void start(Scheduler scheduler, Consumer<Disposable> timers) {
        if (clusterState == null) {
            return;
        }
        timers.accept(Flux.interval(Duration.ZERO, PRESENCE_FLUSH, scheduler)
                .subscribe(tick -> HubTimers.guarded("cluster state flush", clusterState::flush),
                        e -> log.error("cluster state pipeline failed", e)));
        Duration refresh = options.cluster().stateTtl().dividedBy(3);
        timers.accept(Flux.interval(Duration.ZERO, refresh, scheduler)
                .subscribe(tick -> HubTimers.guarded("cluster heartbeat", clusterState::heartbeat),
                        e -> log.error("cluster heartbeat pipeline failed", e)));
    }

    /** A connection joined or left a topic here. */
    void onMembership(HubConnection c, String topic, boolean joined) {
        if (clusterState != null && options.cluster().tracksPresence(topic)) {
            clusterState.changed(topic);
        }
        if (options.cluster().presenceEvents(topic)) {
            // A broadcast on the topic itself: it reaches the subscribers on every node; not the joiner.
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("user_id", c.userId);
            data.put("connection_id", c.id);
            TopicName.requireValid(topic);
            delivery.deliverAndPublish(BrokerMessage.Kind.TOPIC, List.of(topic),
                    WsMessage.of(joined ? PRESENCE_JOIN : PRESENCE_LEAVE, topic, data), Set.of(c.id));
        }
    }

    /** This node's share of a topic's presence. */
    private Presence localPresence(String topic) {
        Map<String, Integer> users = new TreeMap<>();
        int n = 0;
        for (HubConnection c : topics.connections(topic)) {
            n++;
            if (c.userId != null) {
                users.merge(c.userId, 1, Integer::sum);
            }
        }
        return new Presence(topic, users, n);
    }

    Mono<Presence> presence(String topic) {
        TopicName.requireValid(topic);
        if (!options.cluster().tracksPresence(topic)) {
            throw new IllegalArgumentException("presence of topic '" + topic + "' is not tracked: add a pattern that "
                    + "matches it to WsHubOptions presenceTopics (now " + options.cluster().presenceTopics() + ") or presenceEvents (now "
                    + options.cluster().presenceEvents() + ")");
        }
        return clusterState != null ? clusterState.presence(topic) : Mono.fromSupplier(() -> localPresence(topic));
    }

    /** Every live node's stats by node id, this node's live; with a local broker, this node's only. */
    Mono<Map<String, HubStats>> clusterStats() {
        return clusterState != null ? clusterState.clusterStats() : Mono.fromSupplier(() -> Map.of(broker.nodeId(), stats.get()));
    }

    /** Removes this node's heartbeat and entries from the broker (at once, rather than at their expiry). */
    Mono<Void> withdraw() {
        return (clusterState != null ? clusterState.withdraw() : Mono.<Void>empty())
                .timeout(ClusterState.READ_TIMEOUT, Schedulers.parallel())
                .onErrorResume(e -> Mono.empty());
    }
}
