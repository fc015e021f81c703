package io.reactivewspool.internal.server;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

import io.reactivewspool.WsClosedException;
import io.reactivewspool.WsException;
import io.reactivewspool.WsRequestTimeoutException;
import io.reactivewspool.broker.Broker;
import io.reactivewspool.broker.BrokerMessage;
import io.reactivewspool.internal.LogLimiter;
import io.reactivewspool.message.WsCloseStatus;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.OutboundFrame;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.server.WsHubRequestException;
import io.reactivewspool.server.WsHubRequestException.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Schedulers;

/**
 * The hub's requests to clients, waiting for their {@code ack} ({@link WsHub#request}): on this
 * node through the connection's {@link ConnectionAcks}; for a connection of another node through
 * the broker, as a {@code REQUEST} that the node holding the connection serves and answers with a
 * {@code REPLY} ({@link ClusterRequestFrame}). Requests and replies go to every node (the broker's
 * control channel); a node ignores a request for a connection it does not hold and a reply for
 * another node.
 */
final class HubRequests {

    private static final Logger log = LoggerFactory.getLogger(WsHub.class);
    /** The status a request fails with when the client (or the network) closed the connection, which the hub cannot tell apart. */
    private static final WsCloseStatus PEER_CLOSED = new WsCloseStatus(1006, "closed by the client or the network");

    private final ConnectionRegistry registry;
    private final Broker broker;
    private final WsCodec codec;
    private final Function<WsMessage, OutboundFrame> frameOf;
    private final int maxPending;
    private final HubCounters counters;
    private final LogLimiter errorLog;
    private final ConcurrentHashMap<HubConnection, ConnectionAcks> acks = new ConcurrentHashMap<>();
    /** This node's requests waiting for another node's reply, by number. */
    private final ConcurrentHashMap<Long, RemoteWait> remote = new ConcurrentHashMap<>();
    private final AtomicLong remoteNumbers = new AtomicLong();
    private final LongAdder lateAcks = new LongAdder();
    private final LongAdder unknownAcks = new LongAdder();
    private final LongAdder lateReplies = new LongAdder();

    HubRequests(ConnectionRegistry registry, Broker broker, WsCodec codec, Function<WsMessage, OutboundFrame> frameOf,
                int maxPending, HubCounters counters, LogLimiter errorLog) {
        this.registry = registry;
        this.broker = broker;
        this.codec = codec;
        this.frameOf = frameOf;
        this.maxPending = maxPending;
        this.counters = counters;
        this.errorLog = errorLog;
    }

    /** {@link WsHub#request}: checks the arguments at assembly; cold. */
    Mono<WsMessage> request(String connectionId, WsMessage message, Duration timeout) {
        Objects.requireNonNull(connectionId, "connectionId");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be > 0, was " + timeout);
        }
        if (message.is(WsMessage.ACK) || message.is(WsMessage.ERROR)) {
            throw new IllegalArgumentException("a hub request cannot be of type '" + message.type()
                    + "': clients take those as answers, not requests; choose an application type");
        }
        return Mono.defer(() -> {
            HubConnection c = registry.get(connectionId);
            if (c != null) {
                return local(c, message, timeout);
            }
            if (!broker.reachesOtherNodes()) {
                return Mono.error(new WsHubRequestException(Reason.UNKNOWN_CONNECTION, connectionId, null,
                        "hub request to conn=" + connectionId + " not sent: no such connection on this hub"));
            }
            return remote(connectionId, message, timeout);
        });
    }

    private Mono<WsMessage> local(HubConnection c, WsMessage message, Duration timeout) {
        return acksOf(c).request(message, timeout, frameOf);
    }

    /** The connection's waiting requests, created on first use and failed (and forgotten) when it closes. */
    private ConnectionAcks acksOf(HubConnection c) {
        ConnectionAcks a = acks.get(c);
        if (a != null) {
            return a;
        }
        ConnectionAcks created = new ConnectionAcks(c, maxPending);
        a = acks.putIfAbsent(c, created);
        if (a != null) {
            return a;
        }
        // Emptied once when the hub unregisters the connection; at once when that already happened.
        c.terminated.asMono().subscribe(null, null, () -> {
            acks.remove(c, created);
            WsCloseStatus status = c.closeStatus;
            created.close(status == null ? PEER_CLOSED : status);
        });
        return created;
    }

    /** A client's {@code ack}: what it answered; a late or unknown one is counted. */
    ConnectionAcks.Match onAck(HubConnection c, WsMessage ack) {
        ConnectionAcks a = acks.get(c);
        ConnectionAcks.Match m = a == null ? ConnectionAcks.Match.UNKNOWN : a.answer(ack);
        switch (m) {
            case LATE -> lateAcks.increment();
            case UNKNOWN -> unknownAcks.increment();
            default -> {
            }
        }
        if (m != ConnectionAcks.Match.ANSWERED) {
            log.debug("ack without a waiting request conn={} user={} id={} match={}", c.id, c.userId, ack.id(), m);
        }
        return m;
    }

    // ---------------------------------------------------------------- through the broker

    private Mono<WsMessage> remote(String connectionId, WsMessage message, Duration timeout) {
        return Mono.defer(() -> {
            long n = remoteNumbers.incrementAndGet();
            String where = "hub request to conn=" + connectionId + " through the broker";
            byte[] payload = ClusterRequestFrame.request(n, timeout.toMillis(), codec.encode(message)).encode();
            return Mono.<WsMessage>create(sink -> {
                RemoteWait wait = new RemoteWait(sink, connectionId, timeout);
                remote.put(n, wait);
                sink.onDispose(() -> remote.remove(n, wait));
                broker.publish(new BrokerMessage(BrokerMessage.Kind.REQUEST, connectionId, payload, broker.nodeId(), Set.of()))
                        .subscribe(null, e -> {
                            counters.failed.increment();
                            if (remote.remove(n, wait)) {
                                sink.error(new WsHubRequestException(Reason.NOT_SENT, connectionId, null,
                                        where + " not sent: the broker could not take it (" + e + ")"));
                            }
                        });
            }).timeout(timeout, Mono.error(() -> new WsRequestTimeoutException(where + " (the connection is not on node "
                    + broker.nodeId() + "; no node holding it answered)", broker.nodeId() + "#" + n, timeout)), Schedulers.parallel());
        });
    }

    /** A {@code REQUEST} or {@code REPLY} of another node. */
    void onBrokerMessage(BrokerMessage m) {
        ClusterRequestFrame f = ClusterRequestFrame.decode(m.payload());
        if (f == null) {
            counters.failed.increment();
            if (errorLog.acquire() >= 0) {
                log.warn("broker {} message ignored: not a hub request frame node={} origin={}", m.kind(), broker.nodeId(), m.originNodeId());
            }
            return;
        }
        if (m.kind() == BrokerMessage.Kind.REQUEST) {
            serve(m, f);
        } else if (m.kind() == BrokerMessage.Kind.REPLY && broker.nodeId().equals(m.targets().get(0))) {
            settle(m, f);
        }
    }

    /** Another node's request for a connection: sent here when it is here, the outcome answered to that node. */
    private void serve(BrokerMessage m, ClusterRequestFrame f) {
        HubConnection c = registry.get(m.targets().get(0));
        if (c == null) {
            return; // another node's connection, or one gone: that node answers, or the asking node times out
        }
        String origin = m.originNodeId();
        WsMessage message;
        try {
            message = codec.decode(f.body());
        } catch (WsException e) {
            reply(origin, ClusterRequestFrame.reply(f.request(), ClusterRequestFrame.NOT_SENT, null,
                    "node " + broker.nodeId() + " could not decode the request: " + e.getMessage(), 0, new byte[0]));
            return;
        }
        local(c, message, Duration.ofMillis(Math.max(1, f.timeoutMs()))).subscribe(
                ack -> reply(origin, ClusterRequestFrame.reply(f.request(), ClusterRequestFrame.ACKED, ack.id(), null, 0,
                        codec.encode(ack))),
                e -> reply(origin, failure(f.request(), e)));
    }

    private static ClusterRequestFrame failure(long request, Throwable e) {
        if (e instanceof WsHubRequestException h) {
            String outcome = switch (h.reason()) {
                case REFUSED -> ClusterRequestFrame.REFUSED;
                case TOO_MANY_PENDING -> ClusterRequestFrame.TOO_MANY_PENDING;
                default -> ClusterRequestFrame.NOT_SENT;
            };
            return ClusterRequestFrame.reply(request, outcome, h.requestId(), h.getMessage(), 0, new byte[0]);
        }
        if (e instanceof WsClosedException c) {
            return ClusterRequestFrame.reply(request, ClusterRequestFrame.CLOSED, null, c.reason(), c.code(), new byte[0]);
        }
        if (e instanceof WsRequestTimeoutException t) {
            return ClusterRequestFrame.reply(request, ClusterRequestFrame.TIMEOUT, t.requestId(), t.getMessage(), 0, new byte[0]);
        }
        return ClusterRequestFrame.reply(request, ClusterRequestFrame.NOT_SENT, null, e.toString(), 0, new byte[0]);
    }

    private void reply(String node, ClusterRequestFrame f) {
        broker.publish(new BrokerMessage(BrokerMessage.Kind.REPLY, node, f.encode(), broker.nodeId(), Set.of()))
                .subscribe(null, e -> {
                    counters.failed.increment();
                    if (errorLog.acquire() >= 0) {
                        log.warn("hub request reply not sent node={} to={} outcome={} error={}; the asking node times out",
                                broker.nodeId(), node, f.outcome(), e.toString());
                    }
                });
    }

    /** A reply to one of this node's requests: completes it, or is counted when it no longer waits. */
    private void settle(BrokerMessage m, ClusterRequestFrame f) {
        RemoteWait wait = remote.remove(f.request());
        if (wait == null) {
            lateReplies.increment();
            log.debug("hub request reply without a waiting request node={} from={} request={} outcome={}",
                    broker.nodeId(), m.originNodeId(), f.request(), f.outcome());
            return;
        }
        MonoSink<WsMessage> sink = wait.sink();
        String conn = wait.connectionId();
        String where = "hub request to conn=" + conn + " answered by node " + m.originNodeId();
        String outcome = f.outcome() == null ? ClusterRequestFrame.NOT_SENT : f.outcome();
        switch (outcome) {
            case ClusterRequestFrame.ACKED -> {
                try {
                    sink.success(codec.decode(f.body()));
                } catch (WsException e) {
                    sink.error(new WsHubRequestException(Reason.NOT_SENT, conn, f.requestId(),
                            where + ": its ack could not be decoded here: " + e.getMessage()));
                }
            }
            case ClusterRequestFrame.CLOSED -> sink.error(new WsClosedException("hub request to conn=" + conn + " on node "
                    + m.originNodeId() + " failed: the connection closed first", f.code(), f.reason()));
            case ClusterRequestFrame.TIMEOUT -> sink.error(new WsRequestTimeoutException("hub request to conn=" + conn
                    + " on node " + m.originNodeId(), String.valueOf(f.requestId()), wait.timeout()));
            case ClusterRequestFrame.REFUSED -> sink.error(new WsHubRequestException(Reason.REFUSED, conn, f.requestId(),
                    f.reason() + " (on node " + m.originNodeId() + ")"));
            case ClusterRequestFrame.TOO_MANY_PENDING -> sink.error(new WsHubRequestException(Reason.TOO_MANY_PENDING, conn,
                    f.requestId(), f.reason() + " (on node " + m.originNodeId() + ")"));
            default -> sink.error(new WsHubRequestException(Reason.NOT_SENT, conn, f.requestId(),
                    where + ": " + f.reason()));
        }
    }

    // ---------------------------------------------------------------- what tests and operators read

    /** Requests waiting now: for this node's connections, and this node's requests waiting for another node. */
    int waiting() {
        int n = remote.size();
        for (ConnectionAcks a : acks.values()) {
            n += a.waiting();
        }
        return n;
    }

    /** Connections with request state (each removed when its connection closes). */
    int connectionsTracked() {
        return acks.size();
    }

    long lateAcks() {
        return lateAcks.sum();
    }

    long unknownAcks() {
        return unknownAcks.sum();
    }

    long lateReplies() {
        return lateReplies.sum();
    }

    /** One of this node's requests waiting for another node's reply. */
    private record RemoteWait(MonoSink<WsMessage> sink, String connectionId, Duration timeout) {
    }
}
