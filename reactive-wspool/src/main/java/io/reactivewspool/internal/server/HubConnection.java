package io.reactivewspool.internal.server;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

import io.reactivewspool.message.WsCloseStatus;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.ConnectionInfo;
import io.reactivewspool.server.ConnectionState;
import io.reactivewspool.server.HandshakeInfo;
import io.reactivewspool.server.OutboundFrame;
import io.reactivewspool.server.WsConnectionView;
import io.reactivewspool.server.WsTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The hub's record of one registered connection: its state, counters, subscriptions and outbound
 * queue. Handlers see it as the {@link WsConnectionView} it implements, the admin API as the
 * {@link ConnectionInfo} snapshot it makes; it writes to its {@link WsTransport}, and a
 * {@link TransportPump} runs it while it is served.
 */
final class HubConnection implements WsConnectionView {

    // The hub's category, as for everything a connection logs.
    private static final Logger log = LoggerFactory.getLogger(DefaultWsHub.class);

    final String id;
    private final int idHash;
    final String userId;
    final WsTransport transport;
    final OutboundQueue queue;
    /** The codec this connection speaks, chosen at the upgrade by its subprotocol. */
    final WsCodec codec;
    /** Topic name to the subscription of this connection to the topic's sink. */
    final Subscriptions subscriptions = new Subscriptions();
    // Counters as fields of this object rather than atomics of their own: a broadcast to 10,000
    // connections touches each connection once, and every separate object is one more cache miss.
    static final AtomicLongFieldUpdater<HubConnection> RECEIVED = AtomicLongFieldUpdater.newUpdater(HubConnection.class, "received");
    static final AtomicLongFieldUpdater<HubConnection> DROPPED = AtomicLongFieldUpdater.newUpdater(HubConnection.class, "dropped");
    static final AtomicLongFieldUpdater<HubConnection> FAILED = AtomicLongFieldUpdater.newUpdater(HubConnection.class, "failed");
    static final AtomicLongFieldUpdater<HubConnection> ERRORS = AtomicLongFieldUpdater.newUpdater(HubConnection.class, "errors");
    volatile long received;
    volatile long dropped;
    volatile long failed;
    volatile long errors;
    final long createdAtMillis;
    /** Empties once, when the hub unregisters the connection (unregistering happens once). */
    final Sinks.Empty<Void> terminated = Sinks.unsafe().empty();

    private final ConnectionHost host;
    // Created on first use: most connections never carry metadata, and an empty map costs 64 bytes each.
    private static final AtomicReferenceFieldUpdater<HubConnection, Map> METADATA =
            AtomicReferenceFieldUpdater.newUpdater(HubConnection.class, Map.class, "metadata");
    private volatile Map<String, Object> metadata;
    private static final AtomicReferenceFieldUpdater<HubConnection, ConnectionState> STATE =
            AtomicReferenceFieldUpdater.newUpdater(HubConnection.class, ConnectionState.class, "state");
    private volatile ConnectionState state = ConnectionState.CONNECTING;
    private static final AtomicReferenceFieldUpdater<HubConnection, ConnectionCredentials> CREDENTIALS =
            AtomicReferenceFieldUpdater.newUpdater(HubConnection.class, ConnectionCredentials.class, "credentials");
    // Created on first use: only connections whose credentials expire or that refresh them need one.
    private volatile ConnectionCredentials credentials;
    private volatile long lastActivityMillis;
    volatile long closingSinceMillis;
    volatile WsCloseStatus closeStatus;

    // Touched only by the connection's inbound thread (frames of one connection arrive serially).
    long rateWindowStart;
    int rateWindowCount;
    int rateViolations;
    int badMessages;

    HubConnection(String id, String userId, WsTransport transport, ConnectionHost host, long nowMillis, WsCodec codec) {
        this.id = id;
        this.codec = codec;
        this.idHash = id.hashCode();
        this.userId = userId;
        this.transport = transport;
        this.host = host;
        this.createdAtMillis = nowMillis;
        this.lastActivityMillis = nowMillis;
        this.rateWindowStart = nowMillis;
        this.queue = new OutboundQueue(host.options().limits().outboundQueueSize(), host.options().limits().overflowPolicy(), host.counters().sent);
    }

    /** Encodes a message for this connection, in its codec, stamped with the time when it has none. */
    OutboundFrame frameOf(WsMessage message) {
        return host.frameOf(message, codec);
    }

    /** Queues a frame and applies the overflow policy; {@code true} when the frame was queued. */
    boolean offer(OutboundFrame frame) {
        return offered(queue.offer(frame));
    }

    /** Applies the overflow policy to what the queue answered; {@code true} when the frame was queued. */
    boolean offered(OutboundQueue.Offer result) {
        switch (result) {
            case QUEUED -> {
                return true;
            }
            case DROPPED_OLDEST -> {
                host.onDropped(this);
                return true;
            }
            case DROPPED_NEWEST -> {
                host.onDropped(this);
                return false;
            }
            case OVERFLOW -> {
                host.onDropped(this);
                host.onSlowConsumer(this);
                return false;
            }
            default -> {
                FAILED.incrementAndGet(this);
                host.counters().failed.increment();
                return false;
            }
        }
    }

    /** Delivers a topic event unless excluded; {@code true} when it was queued. */
    boolean deliver(TopicEvent event) {
        return event.admits(id, idHash) && offer(event.frameFor(codec));
    }

    /** The connection's subscription to one topic, as the topic's sink delivers to it. */
    TopicSubscriber topicSubscriber() {
        return new TopicSubscriber(this, idHash);
    }

    /** The connection's credentials expiry and refresh, created on first use. */
    ConnectionCredentials credentials() {
        ConnectionCredentials cc = credentials;
        if (cc == null) {
            CREDENTIALS.compareAndSet(this, null, new ConnectionCredentials(this, host));
            cc = credentials;
        }
        return cc;
    }

    /** Stops the credentials expiry timer, if any. */
    void disposeCredentials() {
        ConnectionCredentials cc = credentials;
        if (cc != null) {
            cc.dispose();
        }
    }

    void touch(long nowMillis) {
        lastActivityMillis = nowMillis;
    }

    long lastActivityMillis() {
        return lastActivityMillis;
    }

    boolean open() {
        return STATE.compareAndSet(this, ConnectionState.CONNECTING, ConnectionState.OPEN);
    }

    /**
     * Sends a close frame with the status (first close wins) and marks the connection CLOSING;
     * the registry entry goes when the transport finishes.
     */
    Mono<Void> close(WsCloseStatus status) {
        for (;;) {
            ConnectionState s = state;
            if (s == ConnectionState.CLOSING || s == ConnectionState.CLOSED) {
                return Mono.empty();
            }
            if (STATE.compareAndSet(this, s, ConnectionState.CLOSING)) {
                break;
            }
        }
        closeStatus = status;
        closingSinceMillis = host.nowMillis();
        return transport.close(truncate(status)).onErrorResume(e -> Mono.empty());
    }

    /**
     * Marks the connection CLOSED. A connection the hub had not closed (still CONNECTING or OPEN:
     * its inbound failed, its serve was cancelled) has its transport closed with {@code ifOpen}
     * here, so that CLOSING and CLOSED both mean the transport was told to close, and
     * {@link #close(WsCloseStatus)} rightly does nothing for either.
     *
     * @param ifOpen the close for a transport the hub had not closed, or {@code null} when the
     *               transport ended by itself (its inbound completed: the peer closed or the
     *               connection dropped, and the transport closes, as its contract says)
     */
    void markClosed(WsCloseStatus ifOpen) {
        ConnectionState was = STATE.getAndSet(this, ConnectionState.CLOSED);
        if (ifOpen != null && (was == ConnectionState.CONNECTING || was == ConnectionState.OPEN)) {
            transport.close(truncate(ifOpen)).subscribe(null, e -> log.debug("transport close failed conn={} user={} error={}",
                    id, userId, e.toString()));
        }
    }

    private static WsCloseStatus truncate(WsCloseStatus status) {
        String r = status.reason();
        // A close frame carries at most 123 bytes of reason.
        if (r.getBytes(StandardCharsets.UTF_8).length <= 123) {
            return status;
        }
        StringBuilder sb = new StringBuilder();
        int bytes = 0;
        for (int i = 0; i < r.length(); i++) {
            char c = r.charAt(i);
            int len = String.valueOf(c).getBytes(StandardCharsets.UTF_8).length;
            if (bytes + len > 123 || Character.isSurrogate(c)) {
                break;
            }
            bytes += len;
            sb.append(c);
        }
        return status.withReason(sb.toString());
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String userId() {
        return userId;
    }

    @Override
    public HandshakeInfo handshake() {
        return transport.handshake();
    }

    @Override
    public ConnectionState state() {
        return state;
    }

    @Override
    public Instant createdAt() {
        return Instant.ofEpochMilli(createdAtMillis);
    }

    @Override
    public Instant lastActivity() {
        return Instant.ofEpochMilli(lastActivityMillis);
    }

    @Override
    public Set<String> topics() {
        return Collections.unmodifiableSet(new TreeSet<>(subscriptions.topics()));
    }

    @Override
    public Map<String, Object> metadata() {
        Map<String, Object> m = metadata;
        if (m == null) {
            METADATA.compareAndSet(this, null, new ConcurrentHashMap<String, Object>(4));
            m = metadata;
        }
        return m;
    }

    @Override
    public boolean send(WsMessage message) {
        return offer(frameOf(message));
    }

    @Override
    public Mono<Void> close(int code, String reason) {
        WsCloseStatus status = SendableClose.of(code, reason);
        return Mono.defer(() -> close(status));
    }

    @Override
    public ConnectionInfo info() {
        Map<String, String> meta = new TreeMap<>();
        Map<String, Object> md = metadata;
        if (md != null) {
            md.forEach((k, v) -> meta.put(k, String.valueOf(v)));
        }
        List<String> topics = new ArrayList<>(new TreeSet<>(subscriptions.topics()));
        HandshakeInfo hs = transport.handshake();
        String remote = hs.remoteAddress() == null ? null
                : hs.remoteAddress().getHostString() + ":" + hs.remoteAddress().getPort();
        return new ConnectionInfo(id, userId, state, remote, createdAt(), lastActivity(), List.copyOf(topics),
                Collections.unmodifiableMap(meta), received, queue.sent(), dropped, failed,
                errors, queue.size(), queue.bytes(), host.options().broker().nodeId());
    }

    @Override
    public String toString() {
        return "conn=" + id + " user=" + userId;
    }
}
