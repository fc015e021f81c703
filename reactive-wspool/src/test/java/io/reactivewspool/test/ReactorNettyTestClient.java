package io.reactivewspool.test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.WebsocketClientSpec;

import static org.awaitility.Awaitility.await;

/**
 * The hub's test WebSocket client over Reactor Netty's {@code HttpClient}: connects without a
 * connection pool, records every text message and ping frame, sends text, binary and ping frames,
 * and reports the close code the server sent. Blocking helpers are for test threads only. For what
 * a well-behaved client cannot do (never read, never answer pings, reset), see {@link RawSocketClient}.
 */
public final class ReactorNettyTestClient implements AutoCloseable {

    public static final Duration WAIT = Duration.ofSeconds(10);
    private static final WsCodec CODEC = WsCodec.json();

    private final ConcurrentLinkedQueue<WsMessage> inbox = new ConcurrentLinkedQueue<>();
    private final List<WsMessage> all = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger pings = new AtomicInteger();
    private final AtomicInteger pongs = new AtomicInteger();
    private final Sinks.Many<WebSocketFrame> outbound = Sinks.many().unicast().onBackpressureBuffer();
    private final CompletableFuture<Void> opened = new CompletableFuture<>();
    private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    private final AtomicReference<Instant> closedAt = new AtomicReference<>();
    private final AtomicReference<String> closeReason = new AtomicReference<>();
    private final AtomicReference<Connection> connection = new AtomicReference<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final AtomicReference<String> extensions = new AtomicReference<>();
    private final AtomicReference<String> subprotocol = new AtomicReference<>();
    private final AtomicInteger textFrames = new AtomicInteger();
    private final AtomicInteger binaryFrames = new AtomicInteger();
    /** The codec of messages this client sends and of the binary frames it reads; text frames are read as JSON. */
    private final WsCodec codec;

    static {
        // Build Jackson's deserializers once, here, rather than under a lock on several event loops.
        CODEC.decode("{\"type\":\"prime\",\"data\":{\"a\":[1,1.5,\"s\",true,null,{}]}}");
    }

    private ReactorNettyTestClient(WsCodec codec) {
        this.codec = codec;
    }

    /** Connects to {@code url} (ws://...) with extra headers; waits for the upgrade. */
    public static ReactorNettyTestClient connect(String url, Map<String, String> headers) {
        ReactorNettyTestClient c = start(url, headers);
        c.awaitOpen();
        return c;
    }

    public static ReactorNettyTestClient connect(String url) {
        return connect(url, Map.of());
    }

    /** Starts connecting without waiting; see {@link #handshakeStatus()}. */
    public static ReactorNettyTestClient start(String url, Map<String, String> headers) {
        return start(url, headers, false);
    }

    /** Connects offering permessage-deflate; waits for the upgrade. */
    public static ReactorNettyTestClient connectCompressed(String url) {
        ReactorNettyTestClient c = start(url, Map.of(), true);
        c.awaitOpen();
        return c;
    }

    /**
     * Connects asking for {@code codec}'s subprotocol and speaking it: messages sent in its frame kind,
     * binary frames read with it. Netty fails the upgrade when the server does not answer the name.
     */
    public static ReactorNettyTestClient connect(String url, WsCodec codec) {
        ReactorNettyTestClient c = start(url, Map.of(), false, codec);
        c.awaitOpen();
        return c;
    }

    private static ReactorNettyTestClient start(String url, Map<String, String> headers, boolean compress) {
        return start(url, headers, compress, CODEC);
    }

    private static ReactorNettyTestClient start(String url, Map<String, String> headers, boolean compress, WsCodec codec) {
        ReactorNettyTestClient c = new ReactorNettyTestClient(codec);
        WebsocketClientSpec.Builder spec = WebsocketClientSpec.builder().maxFramePayloadLength(16 * 1024 * 1024)
                .handlePing(true).compress(compress);
        if (codec != CODEC) {
            spec.protocols(codec.subprotocol());
        }
        HttpClient.newConnection()
                .headers(h -> headers.forEach(h::set))
                .websocket(spec.build())
                .uri(url)
                .handle((in, out) -> {
                    in.withConnection(c.connection::set);
                    c.extensions.set(in.headers().get("sec-websocket-extensions"));
                    c.subprotocol.set(in.selectedSubprotocol());
                    c.opened.complete(null);
                    in.receiveCloseStatus().subscribe(st -> {
                        c.closedAt.set(Instant.now());
                        c.closeReason.set(st.reasonText());
                        c.closeCode.complete(st.code());
                    }, e -> c.closeCode.complete(-1), () -> c.closeCode.complete(-1));
                    Mono<Void> rx = in.aggregateFrames(16 * 1024 * 1024).receiveFrames().doOnNext(f -> {
                        if (f instanceof TextWebSocketFrame t) {
                            c.textFrames.incrementAndGet();
                            WsMessage m = CODEC.decode(t.text());
                            c.inbox.add(m);
                            c.all.add(m);
                        } else if (f instanceof BinaryWebSocketFrame b && c.codec.binary()) {
                            c.binaryFrames.incrementAndGet();
                            WsMessage m = c.codec.decode(ByteBufUtil.getBytes(b.content()));
                            c.inbox.add(m);
                            c.all.add(m);
                        } else if (f instanceof PongWebSocketFrame) {
                            c.pongs.incrementAndGet();
                        } else if (f instanceof PingWebSocketFrame p) {
                            c.pings.incrementAndGet();
                            PongWebSocketFrame pong = new PongWebSocketFrame(p.content().retain());
                            if (c.outbound.tryEmitNext(pong).isFailure()) {
                                pong.release();
                            }
                        }
                    }).then();
                    Mono<Void> tx = out.sendObject(c.outbound.asFlux()).then();
                    return Mono.when(rx, tx.onErrorResume(e -> Mono.empty()));
                })
                .subscribe(null, e -> {
                    c.failure.set(e);
                    c.opened.completeExceptionally(e);
                    c.closeCode.complete(-1);
                }, () -> c.closeCode.complete(-1));
        return c;
    }

    private void awaitOpen() {
        try {
            opened.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("WebSocket did not open: " + e, e);
        }
    }

    /** The HTTP status of a refused upgrade, or 101 when it was accepted. */
    public int handshakeStatus() {
        try {
            opened.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            return 101;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof WebSocketClientHandshakeException h) {
                return h.response().status().code();
            }
            throw new AssertionError("unexpected connect failure", e.getCause());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    public ReactorNettyTestClient send(String text) {
        emit(new TextWebSocketFrame(text));
        return this;
    }

    /** Sends a message in this client's codec and its frame kind. */
    public ReactorNettyTestClient send(WsMessage m) {
        return codec.binary() ? sendBinary(codec.encode(m)) : send(new String(codec.encode(m), StandardCharsets.UTF_8));
    }

    public ReactorNettyTestClient sendBinary(byte[] bytes) {
        emit(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(bytes)));
        return this;
    }

    /** Sends a frame as it is; one with RSV1 set passes a negotiated permessage-deflate encoder untouched. */
    public ReactorNettyTestClient sendFrame(WebSocketFrame f) {
        emit(f);
        return this;
    }

    public ReactorNettyTestClient sendPingFrame() {
        emit(new PingWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {1, 2})));
        return this;
    }

    private synchronized void emit(WebSocketFrame f) {
        Sinks.EmitResult r = outbound.tryEmitNext(f);
        if (r.isFailure()) {
            f.release();
        }
    }

    /** The next message, waiting at most {@link #WAIT}. */
    public WsMessage next() {
        AtomicReference<WsMessage> got = new AtomicReference<>();
        await().atMost(WAIT).pollInterval(Duration.ofMillis(5)).until(() -> {
            WsMessage m = inbox.poll();
            got.set(m);
            return m != null;
        });
        return got.get();
    }

    /** The next message of the given type, skipping others (heartbeats, broadcasts). */
    public WsMessage next(String type) {
        return next(m -> m.is(type));
    }

    public WsMessage next(Predicate<WsMessage> p) {
        AtomicReference<WsMessage> got = new AtomicReference<>();
        await().atMost(WAIT).pollInterval(Duration.ofMillis(5)).until(() -> {
            WsMessage m;
            while ((m = inbox.poll()) != null) {
                if (p.test(m)) {
                    got.set(m);
                    return true;
                }
            }
            return false;
        });
        return got.get();
    }

    /** The welcome message (the first one). */
    public WsMessage welcome() {
        WsMessage w = next();
        if (!w.is(WsMessage.WELCOME)) {
            throw new AssertionError("first message must be welcome, was " + w);
        }
        return w;
    }

    /** Messages not yet taken by {@link #next()}. */
    public List<WsMessage> pending() {
        return List.copyOf(inbox);
    }

    /** Every text message received so far, in order. */
    public List<WsMessage> received() {
        synchronized (all) {
            return List.copyOf(all);
        }
    }

    public int pingFrames() {
        return pings.get();
    }

    /** Pong frames received (answers to {@link #sendPingFrame()}). */
    public int pongFrames() {
        return pongs.get();
    }

    /** The close code the server sent (-1 when the connection ended without a close frame). */
    public int awaitCloseCode() {
        try {
            return closeCode.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("connection did not close within " + WAIT, e);
        }
    }

    /** The subprotocol the server answered, or {@code null}. */
    public String subprotocol() {
        return subprotocol.get();
    }

    /** Text frames carrying messages received so far. */
    public int textFrames() {
        return textFrames.get();
    }

    /** Binary frames carrying messages received so far (read with a binary codec only). */
    public int binaryFrames() {
        return binaryFrames.get();
    }

    /** The negotiated {@code Sec-WebSocket-Extensions}, or {@code null}. */
    public String extensions() {
        return extensions.get();
    }

    /** Why the client's connection failed, or {@code null}. */
    public Throwable failure() {
        return failure.get();
    }

    public String closeReason() {
        return closeReason.get();
    }

    /** When the server's close frame arrived, or {@code null}. */
    public Instant closedAt() {
        return closedAt.get();
    }

    public boolean isClosed() {
        return closeCode.isDone();
    }

    /** Drops the TCP connection without a close frame. */
    public void abort() {
        Connection c = connection.get();
        if (c != null) {
            c.channel().close();
        }
    }

    @Override
    public void close() {
        if (!closeCode.isDone()) {
            outbound.tryEmitComplete();
            abort();
        }
    }
}
