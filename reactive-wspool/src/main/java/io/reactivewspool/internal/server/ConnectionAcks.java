package io.reactivewspool.internal.server;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import io.reactivewspool.WsClosedException;
import io.reactivewspool.WsRequestTimeoutException;
import io.reactivewspool.message.WsCloseStatus;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.OutboundFrame;
import io.reactivewspool.server.WsHubRequestException;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Schedulers;

/**
 * The hub's requests waiting for one connection's {@code ack}: their ids ({@code hub:1},
 * {@code hub:2}, … per connection), the bound on how many wait at once, and failing them all when
 * the connection closes. Thread-safe: requests start on any thread, acks arrive on the
 * connection's inbound thread, timeouts on the parallel scheduler, the close on whichever thread
 * unregisters the connection.
 */
final class ConnectionAcks {

    /** What an {@code ack} found. */
    enum Match {
        /** It answered a waiting request. */
        ANSWERED,
        /** An id this connection was given, whose request no longer waits (timed out, cancelled, answered, or the hub gave up). */
        LATE,
        /** An id the hub never gave this connection. */
        UNKNOWN
    }

    private final HubConnection connection;
    private final int max;
    /** The last number given; ids up to it were issued, so an ack for one of them that finds nothing is late. */
    private final AtomicLong issued = new AtomicLong();
    private final ConcurrentHashMap<Long, MonoSink<WsMessage>> waiting = new ConcurrentHashMap<>();
    /** Requests holding a slot of the bound: reserved before {@link #waiting} gets them, freed by whoever removes them. */
    private final AtomicInteger slots = new AtomicInteger();
    private volatile WsCloseStatus closedWith;

    ConnectionAcks(HubConnection connection, int max) {
        this.connection = connection;
        this.max = max;
    }

    /** Sends {@code message} with a fresh id; cold, each subscription is one request. */
    Mono<WsMessage> request(WsMessage message, Duration timeout, Function<WsMessage, OutboundFrame> frameOf) {
        return Mono.defer(() -> {
            long n = issued.incrementAndGet();
            String id = WsMessage.HUB_REQUEST_ID_PREFIX + n;
            return Mono.<WsMessage>create(sink -> start(n, id, message, sink, frameOf))
                    .timeout(timeout, Mono.error(() -> new WsRequestTimeoutException("hub request to conn=" + connection.id,
                            id, timeout)), Schedulers.parallel());
        });
    }

    private void start(long n, String id, WsMessage message, MonoSink<WsMessage> sink, Function<WsMessage, OutboundFrame> frameOf) {
        if (slots.incrementAndGet() > max) {
            slots.decrementAndGet();
            sink.error(new WsHubRequestException(WsHubRequestException.Reason.TOO_MANY_PENDING, connection.id, id,
                    "hub request to conn=" + connection.id + " refused: " + max + " requests already wait for its ack "
                            + "(maxPendingRequestsPerConnection); wait for them or raise the limit"));
            return;
        }
        waiting.put(n, sink);
        // Cancel, timeout or any end: the slot goes back once, by whoever removes the entry.
        sink.onDispose(() -> take(n));
        // Read after the put: either the close's sweep sees this entry, or this sees the close.
        if (closedWith != null) {
            fail(n, closedError(id, closedWith));
            return;
        }
        if (!connection.offer(frameOf.apply(message.withId(id)))) {
            fail(n, new WsHubRequestException(WsHubRequestException.Reason.NOT_SENT, connection.id, id,
                    "hub request to conn=" + connection.id + " not sent: its outbound queue refused it (full or closing)"));
        }
    }

    /** Completes the request an {@code ack} answers: with the ack, or with its error when it carries one. */
    Match answer(WsMessage ack) {
        long n = number(ack.id());
        if (n <= 0 || n > issued.get()) {
            return Match.UNKNOWN;
        }
        MonoSink<WsMessage> sink = take(n);
        if (sink == null) {
            return Match.LATE;
        }
        if (ack.error() != null) {
            sink.error(new WsHubRequestException(WsHubRequestException.Reason.REFUSED, connection.id, ack.id(),
                    "hub request " + ack.id() + " to conn=" + connection.id + " refused by the client: " + ack.error()));
        } else {
            sink.success(ack);
        }
        return Match.ANSWERED;
    }

    /** Fails every waiting request with the connection's close; requests started after fail at once. */
    void close(WsCloseStatus status) {
        closedWith = status;
        for (Long n : waiting.keySet()) {
            fail(n, closedError(WsMessage.HUB_REQUEST_ID_PREFIX + n, status));
        }
    }

    /** Requests waiting now. */
    int waiting() {
        return slots.get();
    }

    private void fail(long n, Throwable e) {
        MonoSink<WsMessage> sink = take(n);
        if (sink != null) {
            sink.error(e);
        }
    }

    /** Removes a waiting request and frees its slot; {@code null} when another path removed it first. */
    private MonoSink<WsMessage> take(long n) {
        MonoSink<WsMessage> sink = waiting.remove(n);
        if (sink != null) {
            slots.decrementAndGet();
        }
        return sink;
    }

    private WsClosedException closedError(String id, WsCloseStatus status) {
        return new WsClosedException("hub request " + id + " to conn=" + connection.id + " failed: the connection closed first",
                status.code(), status.reason());
    }

    /** The number in a hub request id, or 0 when {@code id} is not one. */
    static long number(String id) {
        if (id == null || !id.startsWith(WsMessage.HUB_REQUEST_ID_PREFIX)) {
            return 0;
        }
        try {
            long n = Long.parseLong(id.substring(WsMessage.HUB_REQUEST_ID_PREFIX.length()));
            // Only the id as the hub wrote it: "hub:+5" or "hub:05" answer nothing.
            return id.equals(WsMessage.HUB_REQUEST_ID_PREFIX + n) ? n : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
