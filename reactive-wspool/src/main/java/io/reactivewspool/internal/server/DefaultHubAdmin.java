package io.reactivewspool.internal.server;

import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import io.reactivewspool.broker.BrokerMessage;
import io.reactivewspool.message.WsCloseStatus;
import io.reactivewspool.server.CleanupReport;
import io.reactivewspool.server.ConnectionInfo;
import io.reactivewspool.server.ConnectionOutcome;
import io.reactivewspool.server.ConnectionPage;
import io.reactivewspool.server.ConnectionState;
import io.reactivewspool.server.HubAdmin;
import io.reactivewspool.server.HubStats;
import io.reactivewspool.server.Presence;
import io.reactivewspool.server.WsHub;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The hub's admin operations: listing and disconnecting connections, here and (through the
 * broker's control messages) on every node, and the presence, stats and cleanup views.
 */
final class DefaultHubAdmin implements HubAdmin {

    private static final Logger log = LoggerFactory.getLogger(WsHub.class);

    private final DefaultWsHub hub;
    private final ConnectionRegistry registry;
    private final HubDelivery delivery;
    private final ClusterView cluster;
    private final ClusterConnections clusterConnections;

    DefaultHubAdmin(DefaultWsHub hub, ConnectionRegistry registry, HubDelivery delivery, ClusterView cluster,
                    ClusterConnections clusterConnections) {
        this.hub = hub;
        this.clusterConnections = clusterConnections;
        this.registry = registry;
        this.delivery = delivery;
        this.cluster = cluster;
    }

    @Override
    public HubStats stats() {
        return hub.stats();
    }

    @Override
    public List<ConnectionInfo> connections(String userId, String topic) {
        return registry.infos(userId, topic);
    }

    @Override
    public Optional<ConnectionInfo> connection(String connectionId) {
        return Optional.ofNullable(registry.get(connectionId)).map(HubConnection::info);
    }

    @Override
    public Mono<ConnectionPage> clusterConnections(String userId, String topic, int page, int limit) {
        return clusterConnections.list(userId, topic, page, limit);
    }

    @Override
    public Mono<ConnectionOutcome> clusterConnection(String connectionId) {
        return clusterConnections.find(connectionId);
    }

    @Override
    public Mono<Integer> disconnectUser(String userId, String reason) {
        Objects.requireNonNull(userId, "userId");
        return Mono.defer(() -> {
            delivery.publishControl(ControlOp.disconnectUser(userId, reason));
            return disconnectAll(registry.select(userId, null), reason, "user");
        });
    }

    @Override
    public Mono<Integer> disconnect(Collection<String> connectionIds, String reason) {
        Objects.requireNonNull(connectionIds, "connectionIds");
        return Mono.defer(() -> {
            List<HubConnection> targets = registry.byIds(connectionIds);
            if (targets.size() < new HashSet<>(connectionIds).size()) {
                // Some ids are not here: they may live on another node.
                delivery.publishControl(ControlOp.disconnectIds(connectionIds, reason));
            }
            return disconnectAll(targets, reason, "ids");
        });
    }

    @Override
    public Mono<Integer> disconnectTopic(String topic, String reason) {
        Objects.requireNonNull(topic, "topic");
        return Mono.defer(() -> {
            delivery.publishControl(ControlOp.disconnectTopic(topic, reason));
            return disconnectAll(registry.select(null, topic), reason, "topic");
        });
    }

    @Override
    public Mono<Presence> presence(String topic) {
        return cluster.presence(topic);
    }

    @Override
    public Mono<Map<String, HubStats>> clusterStats() {
        return cluster.clusterStats();
    }

    @Override
    public boolean isClustered() {
        return cluster.isClustered();
    }

    @Override
    public Mono<CleanupReport> cleanup() {
        return hub.cleanup();
    }

    @Override
    public int broadcast(String topic, String messageType, Object data) {
        return hub.broadcast(topic, messageType, data);
    }

    /** Applies another node's cluster-wide operation to this node's connections. */
    void onControl(BrokerMessage m) {
        ControlOp op = ControlOp.decode(m.payload());
        if (op == null || !ControlOp.DISCONNECT.equals(op.op())) {
            log.debug("broker control message ignored node={} verb={}", m.originNodeId(), m.targets().get(0));
            return;
        }
        List<HubConnection> targets;
        String by;
        if (op.userId() != null) {
            targets = registry.select(op.userId(), null);
            by = "cluster_user";
        } else if (op.connectionIds() != null) {
            targets = registry.byIds(op.connectionIds());
            by = "cluster_ids";
        } else if (op.topic() != null) {
            targets = registry.select(null, op.topic());
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

    private static Mono<Integer> disconnectAll(List<HubConnection> targets, String reason, String by) {
        WsCloseStatus status = WsCloseStatus.NORMAL.withReason(reason == null || reason.isBlank() ? "disconnected by administrator" : reason);
        return Flux.fromIterable(targets)
                .filter(c -> c.state() == ConnectionState.OPEN)
                .flatMap(c -> {
                    log.info("admin disconnect conn={} user={} by={} reason=\"{}\"", c.id, c.userId, by, status.reason());
                    return c.close(status).thenReturn(1);
                })
                .reduce(0, Integer::sum);
    }
}
