package io.reactivewspool.internal.client;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.reactivewspool.WsClosedException;
import io.reactivewspool.WsException;
import io.reactivewspool.RequestNotSentException;
import io.reactivewspool.WsProtocolException;
import io.reactivewspool.WsRequestTimeoutException;
import io.reactivewspool.client.WsClientOptions;
import io.reactivewspool.client.WsConnection;
import io.reactivewspool.internal.LogLimiter;
import io.reactivewspool.internal.netty.InflateBound;
import io.reactivewspool.message.WsCloseStatus;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;

/**
 * A {@link WsConnection} over one Reactor Netty WebSocket. Inbound frames are handled on the
 * channel's event loop, synchronously: Reactor Netty releases each frame after {@code onNext}
 * returns, so nothing here retains a buffer. Outbound frames wrap heap arrays (no pooled
 * buffer to release) and are written with {@code writeAndFlush}, which Netty orders per channel.
 *
 * <p>Messages that are not replies go to the current holder's {@link BorrowInbox}: to its waiting
 * {@code sendAndReceive} directly, else into its receive buffer (a multicast sink over a bounded
 * queue), so that a message arriving before its reader subscribes waits for it and a released
 * borrow takes its unread messages with it. The buffer is made only when a message finds no
 * waiting reader or when {@code receive()} is subscribed: a borrow that only exchanges one
 * message at a time never makes one.
 */
public final class DefaultWsConnection implements WsConnection, BorrowScope {

    private static final Logger LOG = LoggerFactory.getLogger(DefaultWsConnection.class);
    private static final LogLimiter UNDECODABLE_LOG = new LogLimiter(10, TimeUnit.SECONDS);
    private static final LogLimiter DROP_LOG = new LogLimiter(10, TimeUnit.SECONDS);
    private static final AtomicLong IDS = new AtomicLong();
    private static final int MAX_REASON_BYTES = 123;

    private final String id;
    private final String label;
    private final WebsocketOutbound out;
    private final WsCodec codec;
    private final Duration requestTimeout;
    private final Duration closeTimeout;
    private final int maxFrameSize;
    private final Scheduler timer;

    private final Map<String, Sinks.One<WsMessage>> pending = new ConcurrentHashMap<>();
    private final PendingPings pings = new PendingPings();
    private static final AtomicReferenceFieldUpdater<DefaultWsConnection, BorrowInbox> HOLDER =
            AtomicReferenceFieldUpdater.newUpdater(DefaultWsConnection.class, BorrowInbox.class, "holder");

    private final int receiveBufferSize;
    private final Scheduler loopTimer;
    /** The channel's event loop, kept: Netty 4.2's {@code channel.eventLoop()} throws once the channel has left it. */
    private final EventLoop loop;
    private final Flux<WsMessage> received = Flux.defer(this::holderFlux);
    /** Whoever holds the connection now; {@code null} while nobody does (idle in a pool, or shared for requests). */
    private volatile BorrowInbox holder;
    private final Sinks.Many<String> raw = Sinks.many().multicast().directBestEffort();
    private final Sinks.One<WsCloseStatus> closed = Sinks.one();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final AtomicBoolean terminated = new AtomicBoolean();
    private final AtomicLong requestIds = new AtomicLong();
    private final AtomicLong undecodable = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong overflowed = new AtomicLong();

    private volatile Connection connection;
    private volatile WsCloseStatus remoteStatus;
    private volatile WsCloseStatus localStatus;
    private volatile Disposable forceClose;

    DefaultWsConnection(WebsocketInbound in, WebsocketOutbound out, WsClientOptions options, String label, Scheduler timer) {
        this.id = "c" + IDS.incrementAndGet();
        this.label = label;
        this.out = out;
        this.codec = options.codec();
        this.requestTimeout = options.requestTimeout();
        this.closeTimeout = options.closeTimeout();
        this.maxFrameSize = options.maxFrameSize();
        this.timer = timer;
        this.receiveBufferSize = options.receiveBufferSize();
        in.withConnection(c -> this.connection = c);
        Connection c = connection;
        // Timeouts of this connection's calls run on its event loop, where the answer arrives: no shared timer queue.
        this.loop = c != null ? c.channel().eventLoop() : null;
        this.loopTimer = c != null ? Schedulers.fromExecutorService(c.channel().eventLoop(), "wspool-" + id) : timer;
        // Whoever opened the connection holds it until a pool takes it over.
        this.holder = new BorrowInbox(receiveBufferSize);
        in.receiveCloseStatus().subscribe(this::onCloseStatus, e -> { });
    }

    /** The connection's life: handles inbound frames until the peer or we close. */
    Mono<Void> run(WebsocketInbound in) {
        return in.aggregateFrames(maxFrameSize).receiveFrames().doOnNext(this::onFrame).then();
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public Mono<Void> send(WsMessage message) {
        return Mono.defer(() -> write(codec.encode(message), !codec.binary()));
    }

    @Override
    public Mono<Void> sendText(String text) {
        return Mono.defer(() -> write(text.getBytes(StandardCharsets.UTF_8), true));
    }

    private Mono<Void> write(byte[] payload, boolean text) {
        if (!isActive()) {
            return Mono.error(notSent("connection is closed", null));
        }
        ByteBuf buf = Unpooled.wrappedBuffer(payload);
        WebSocketFrame frame = text ? new TextWebSocketFrame(buf) : new BinaryWebSocketFrame(buf);
        return out.sendObject(frame).then();
    }

    @Override
    public Mono<WsMessage> request(WsMessage message) {
        return request(message, requestTimeout);
    }

    @Override
    public Mono<WsMessage> request(WsMessage message, Duration timeout) {
        return Mono.defer(() -> {
            String rid = message.id() != null ? message.id() : id + "-" + requestIds.incrementAndGet();
            WsMessage outgoing = message.withId(rid);
            if (!isActive()) {
                return Mono.error(notSent("connection is closed", null));
            }
            Sinks.One<WsMessage> slot = Sinks.one();
            if (pending.putIfAbsent(rid, slot) != null) {
                return Mono.error(new WsException(where() + ": a request with id '" + rid + "' is already in flight"));
            }
            // terminate() may have failed the pending map just before our put: check again.
            if (terminated.get()) {
                pending.remove(rid, slot);
                return Mono.error(notSent("connection is closed", null));
            }
            // The timer runs on the channel's event loop, where the reply arrives and where most
            // requests are made: arming and cancelling it there takes no lock, unlike a shared
            // scheduler's delay queue that every request of every connection would contend on.
            Runnable expire = () -> slot.tryEmitError(new WsRequestTimeoutException(where(), rid, timeout));
            Disposable expiry = schedule(expire, timeout);
            return write(codec.encode(outgoing), !codec.binary())
                    .onErrorMap(e -> !(e instanceof WsClosedException), e -> notSent("write failed", e))
                    .then(slot.asMono())
                    .doFinally(s -> {
                        expiry.dispose();
                        pending.remove(rid, slot);
                    });
        });
    }

    private Disposable schedule(Runnable task, Duration delay) {
        if (loop == null) {
            return timer.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
        }
        try {
            Future<?> f = loop.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        } catch (RejectedExecutionException e) {
            return timer.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public Flux<WsMessage> receive() {
        return received;
    }

    private Flux<WsMessage> holderFlux() {
        BorrowInbox h = holder;
        return h == null ? Flux.empty() : h.buffer().asFlux();
    }

    @Override
    public Mono<WsMessage> sendAndReceive(WsMessage message) {
        return Mono.defer(() -> {
            BorrowInbox h = holder;
            if (h == null) {
                return Mono.error(new IllegalStateException(where() + ": sendAndReceive needs the connection's holder;"
                        + " borrow it with acquire() or withConnection(), or use request()"));
            }
            Sinks.One<WsMessage> slot = Sinks.one();
            // Unread messages come first, and a second exchange at the same time reads through the buffer too, as before.
            if (h.unread() > 0 || !BorrowInbox.WAITER.compareAndSet(h, null, slot)) {
                return sendAndReceiveBuffered(h, message);
            }
            // end() may have run just before our slot was in place: it cannot answer it then, and nothing is sent.
            if (h.ended) {
                BorrowInbox.WAITER.compareAndSet(h, slot, null);
                return Mono.error(endedError());
            }
            // Set before the send, so the answer cannot overtake its reader; the timer runs on the event loop, as request()'s.
            Disposable expiry = schedule(() -> {
                BorrowInbox.WAITER.compareAndSet(h, slot, null);
                slot.tryEmitError(timeoutError(message));
            }, requestTimeout);
            return send(message)
                    .then(slot.asMono())
                    .doFinally(s -> {
                        expiry.dispose();
                        BorrowInbox.WAITER.compareAndSet(h, slot, null);
                    });
        });
    }

    private Mono<WsMessage> sendAndReceiveBuffered(BorrowInbox h, WsMessage message) {
        return h.exchangeThroughBuffer(send(message), this::endedError)
                .timeout(requestTimeout, Mono.error(() -> timeoutError(message)), loopTimer);
    }

    private WsException endedError() {
        return isActive() ? new WsException(where() + ": released before an answer arrived")
                : closedError("connection closed before an answer arrived");
    }

    private WsRequestTimeoutException timeoutError(WsMessage message) {
        return new WsRequestTimeoutException(where(), message.id() == null ? "(none)" : message.id(), requestTimeout);
    }

    @Override
    public void beginBorrow() {
        BorrowInbox fresh = new BorrowInbox(receiveBufferSize);
        end(HOLDER.getAndSet(this, fresh));
        if (terminated.get()) {
            fresh.end(this::endedError);
        }
    }

    @Override
    public void endBorrow() {
        end(HOLDER.getAndSet(this, null));
    }

    private void end(BorrowInbox old) {
        if (old == null) {
            return;
        }
        int unread = old.end(this::endedError);
        if (unread > 0) {
            dropped.addAndGet(unread);
            LOG.debug("unread messages discarded at release conn={} client={} count={}", id, label, unread);
        }
    }

    @Override
    public Flux<String> receiveRaw() {
        return raw.asFlux();
    }

    @Override
    public Mono<Duration> ping() {
        return Mono.defer(() -> isActive() ? pings.ping(out, terminated::get, () -> closedError("ping failed: connection is closed"))
                : Mono.error(closedError("ping failed: connection is closed")));
    }

    @Override
    public Mono<Void> close(int code, String reason) {
        WsCloseStatus status = new WsCloseStatus(code, truncate(reason == null ? "" : reason));
        return Mono.defer(() -> {
            if (closing.compareAndSet(false, true) && !terminated.get()) {
                localStatus = status;
                LOG.debug("closing conn={} client={} code={} reason={}", id, label, code, status.reason());
                Connection c = connection;
                forceClose = timer.schedule(() -> {
                    Connection cc = connection;
                    if (cc != null && !terminated.get()) {
                        LOG.debug("peer did not answer close in time, dropping socket conn={} client={}", id, label);
                        cc.dispose();
                    }
                }, closeTimeout.toMillis(), TimeUnit.MILLISECONDS);
                sendClose(c, code, status.reason());
            }
            return closed.asMono().then();
        });
    }

    /**
     * Reactor Netty makes the close frame (a direct buffer) before it writes it, and Netty 4.2's
     * {@code writeAndFlush} throws before it owns the frame when the channel has already left its
     * event loop ("channel not registered to an event loop"), so a close racing the peer's leaked
     * the frame. On the loop, the channel cannot leave it between the check and the write: the
     * frame is made only for an open channel, and every write of it is released by Netty.
     */
    private void sendClose(Connection c, int code, String reason) {
        if (c == null) {
            out.sendClose(code, reason).subscribe(null, e -> { });
            return;
        }
        try {
            loop.execute(() -> {
                if (c.channel().isActive()) {
                    out.sendClose(code, reason).subscribe(null, e -> c.dispose());
                } else {
                    c.dispose();
                }
            });
        } catch (RejectedExecutionException e) {
            // the loop is shutting down and takes its channels with it
            c.dispose();
        }
    }

    @Override
    public Mono<WsCloseStatus> onClose() {
        return closed.asMono();
    }

    @Override
    public boolean isActive() {
        Connection c = connection;
        return !closing.get() && !terminated.get() && (c == null || c.channel().isActive());
    }

    @Override
    public int pendingRequests() {
        return pending.size();
    }

    @Override
    public long undecodableFrames() {
        return undecodable.get();
    }

    @Override
    public long droppedMessages() {
        return dropped.get();
    }

    @Override
    public long overflowedMessages() {
        return overflowed.get();
    }

    @Override
    public String toString() {
        return "WsConnection{conn=" + id + ", client=" + label + ", active=" + isActive() + ", pending=" + pending.size() + '}';
    }

    private void onFrame(WebSocketFrame frame) {
        if (frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame) {
            byte[] bytes = ByteBufUtil.getBytes(frame.content());
            if (frame instanceof TextWebSocketFrame && raw.currentSubscriberCount() > 0) {
                raw.tryEmitNext(new String(bytes, StandardCharsets.UTF_8));
            }
            WsMessage msg;
            try {
                msg = codec.decode(bytes);
            } catch (WsProtocolException e) {
                undecodable.incrementAndGet();
                UNDECODABLE_LOG.warn(LOG, "undecodable frame conn={} client={} problem={} reason={}", id, label, e.problem(), e.getMessage());
                return;
            }
            onMessage(msg);
        } else if (frame instanceof PongWebSocketFrame) {
            pings.pong(frame.content());
        }
    }

    private void onMessage(WsMessage msg) {
        String rid = msg.id();
        if (rid != null) {
            Sinks.One<WsMessage> slot = pending.remove(rid);
            if (slot != null) {
                slot.tryEmitValue(msg);
                return;
            }
        }
        BorrowInbox h = holder;
        if (h == null) {
            dropped.incrementAndGet();
            return;
        }
        Sinks.EmitResult r = h.deliver(msg);
        if (r.isFailure()) {
            dropped.incrementAndGet();
            // FAIL_NON_SERIALIZED and FAIL_TERMINATED: the borrow ended while the message arrived.
            if (r == Sinks.EmitResult.FAIL_OVERFLOW || r == Sinks.EmitResult.FAIL_ZERO_SUBSCRIBER) {
                overflowed.incrementAndGet();
                DROP_LOG.warn(LOG, "inbound message dropped, receive buffer full conn={} client={} type={} buffer={}",
                        id, label, msg.type(), receiveBufferSize);
            }
        }
    }

    private void onCloseStatus(WebSocketCloseStatus s) {
        int code = s.code();
        if (code >= 1000 && code <= 4999) {
            remoteStatus = new WsCloseStatus(code, s.reasonText() == null ? "" : s.reasonText());
        }
    }

    /** Called once when the socket is gone: fails what is in flight and completes the streams. */
    void terminated(Throwable error) {
        if (!terminated.compareAndSet(false, true)) {
            return;
        }
        Disposable f = forceClose;
        if (f != null) {
            f.dispose();
        }
        WsCloseStatus status = remoteStatus != null ? remoteStatus
                : localStatus != null ? localStatus
                : lostStatus(error);
        if (error != null) {
            LOG.debug("connection error conn={} client={} error={}", id, label, error.toString());
        }
        LOG.debug("closed conn={} client={} code={} reason={}", id, label, status.code(), status.reason());
        for (String rid : pending.keySet()) {
            Sinks.One<WsMessage> slot = pending.remove(rid);
            if (slot != null) {
                slot.tryEmitError(new WsClosedException(where() + ": connection closed before the reply to request id '" + rid + "' arrived",
                        status.code(), status.reason()));
            }
        }
        pings.failAll(() -> new WsClosedException(where() + ": connection closed before the pong arrived", status.code(), status.reason()));
        BorrowInbox h = holder;
        if (h != null) {
            // unread messages stay counted by the release that ends this holder
            h.end(this::endedError);
        }
        raw.emitComplete(Sinks.EmitFailureHandler.busyLooping(Duration.ofMillis(100)));
        closed.tryEmitValue(status);
    }

    /** The status of a connection that ended without a close frame either way. */
    private WsCloseStatus lostStatus(Throwable error) {
        if (error instanceof TooLongFrameException || InflateBound.exceeded(error)) {
            return new WsCloseStatus(1009, "message from the server larger than maxFrameSize (" + maxFrameSize + " bytes)");
        }
        return new WsCloseStatus(1006, error == null ? "connection lost" : "connection lost: " + error.getClass().getSimpleName());
    }

    private String where() {
        return "client '" + label + "' conn " + id;
    }

    private WsClosedException closedError(String what) {
        WsCloseStatus st = remoteStatus != null ? remoteStatus : localStatus;
        return st == null ? new WsClosedException(where() + ": " + what, 1006, "connection lost")
                : new WsClosedException(where() + ": " + what, st.code(), st.reason());
    }

    private RequestNotSentException notSent(String what, Throwable cause) {
        WsCloseStatus st = remoteStatus != null ? remoteStatus : localStatus;
        int code = st == null ? 1006 : st.code();
        String reason = st == null ? "connection lost" : st.reason();
        return new RequestNotSentException(where() + ": request not sent, " + what, code, reason, cause);
    }

    private static String truncate(String reason) {
        byte[] b = reason.getBytes(StandardCharsets.UTF_8);
        if (b.length <= MAX_REASON_BYTES) {
            return reason;
        }
        int end = reason.length();
        while (reason.substring(0, end).getBytes(StandardCharsets.UTF_8).length > MAX_REASON_BYTES) {
            end--;
        }
        return reason.substring(0, end);
    }
}
