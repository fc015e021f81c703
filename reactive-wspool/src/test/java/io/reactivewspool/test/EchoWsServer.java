package io.reactivewspool.test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.reactivewspool.WsProtocolException;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.WebsocketServerSpec;
import reactor.netty.http.websocket.WebsocketOutbound;

/**
 * A loopback Reactor Netty WebSocket server for client tests, on port 0 by default, at path
 * {@code /ws}. For every decodable text message with an {@code id} it answers a message of
 * type {@code reply} with the same id and data, except:
 * <ul>
 * <li>{@code type=noreply}: no answer;</li>
 * <li>{@code type=delay}, {@code data.ms=N}: answers after N ms;</li>
 * <li>{@code type=close}, {@code data.code=N}: closes the connection with that code.</li>
 * </ul>
 * A frame that is not valid JSON is ignored. permessage-deflate is negotiated when a client offers
 * it. With {@link #ignoringPings()} the server receives ping frames itself and never answers them
 * (an "unhealthy" peer). {@link #stop()} drops every connection and unbinds; {@link #restart()}
 * binds the same port again.
 */
public final class EchoWsServer implements AutoCloseable {

    private final boolean ignorePings;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final Set<WebsocketOutbound> outbounds = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicLong pingsIgnored = new AtomicLong();
    private final AtomicLong messages = new AtomicLong();
    private volatile HttpHeaders lastUpgradeHeaders;
    private volatile DisposableServer server;
    private volatile int port;

    private EchoWsServer(boolean ignorePings) {
        this.ignorePings = ignorePings;
    }

    /** A server that answers pings (Netty does it) and echoes requests. */
    public static EchoWsServer start() {
        EchoWsServer s = new EchoWsServer(false);
        s.bind(0);
        return s;
    }

    /** A server that never answers ping frames. */
    public static EchoWsServer ignoringPings() {
        EchoWsServer s = new EchoWsServer(true);
        s.bind(0);
        return s;
    }

    private void bind(int onPort) {
        // compress: negotiated only with a client that offers permessage-deflate.
        WebsocketServerSpec spec = WebsocketServerSpec.builder().handlePing(ignorePings).compress(true).build();
        server = HttpServer.create()
                .host("127.0.0.1")
                .port(onPort)
                .route(r -> r.ws("/ws", (in, out) -> {
                    accepted.incrementAndGet();
                    lastUpgradeHeaders = in.headers().copy();
                    // outbound first: a connection counted by openConnections() can be closed by closeAll()
                    outbounds.add(out);
                    in.withConnection(c -> {
                        connections.add(c);
                        c.onDispose(() -> connections.remove(c));
                    });
                    return out.sendString(in.receiveFrames()
                                    .flatMap(this::answer)
                                    .doFinally(s -> outbounds.remove(out)))
                            .then();
                }, spec))
                .bindNow(Duration.ofSeconds(10));
        port = server.port();
    }

    private Mono<String> answer(WebSocketFrame frame) {
        // Runs inside onNext: the frame is read here and released by Reactor Netty afterwards.
        if (frame instanceof PingWebSocketFrame) {
            pingsIgnored.incrementAndGet();
            return Mono.empty();
        }
        if (!(frame instanceof TextWebSocketFrame text)) {
            return Mono.empty();
        }
        messages.incrementAndGet();
        WsMessage msg;
        try {
            msg = WsCodec.json().decode(text.text());
        } catch (WsProtocolException e) {
            return Mono.empty();
        }
        if (msg.id() == null || msg.is("noreply")) {
            return Mono.empty();
        }
        String reply = new String(WsCodec.json().encode(WsMessage.builder("reply").id(msg.id()).data(msg.data()).build()),
                StandardCharsets.UTF_8);
        if (msg.is("delay")) {
            return Mono.delay(Duration.ofMillis(msg.data().get("ms").asLong())).thenReturn(reply);
        }
        if (msg.is("close")) {
            closeAll(msg.data().get("code").asInt(), "requested");
            return Mono.empty();
        }
        return Mono.just(reply);
    }

    /** {@code ws://127.0.0.1:<port>/ws}. */
    public String url() {
        return "ws://127.0.0.1:" + port + "/ws";
    }

    /** The bound port (kept across {@link #restart()}). */
    public int port() {
        return port;
    }

    /** WebSocket upgrades accepted since start. */
    public int acceptedConnections() {
        return accepted.get();
    }

    /** The headers of the last accepted upgrade request, or {@code null}. */
    public HttpHeaders lastUpgradeHeaders() {
        return lastUpgradeHeaders;
    }

    /** Connections open now. */
    public int openConnections() {
        return connections.size();
    }

    /** Ping frames received and deliberately not answered. */
    public long pingsIgnored() {
        return pingsIgnored.get();
    }

    /** Text frames received. */
    public long messagesReceived() {
        return messages.get();
    }

    /** Sends a close frame with the code and reason on every open connection. */
    public void closeAll(int code, String reason) {
        for (WebsocketOutbound out : outbounds) {
            // On the channel's loop and only while it is open: a close frame written to a channel that
            // has left its loop is never released (Netty 4.2 throws before it owns the frame).
            out.withConnection(c -> {
                try {
                    c.channel().eventLoop().execute(() -> {
                        if (c.channel().isActive()) {
                            out.sendClose(code, reason).subscribe(null, e -> { });
                        }
                    });
                } catch (IllegalStateException | RejectedExecutionException gone) {
                    // the connection has left its loop: it is closed already
                }
            });
        }
    }

    /** Sends one raw text frame on every open connection. */
    public void sendRawToAll(String text) {
        for (Connection c : connections) {
            c.channel().writeAndFlush(new TextWebSocketFrame(text));
        }
    }

    /** Sends a frame made by {@code frame} on every open connection, as it is (see {@link Deflated}). */
    public void sendFrameToAll(Supplier<WebSocketFrame> frame) {
        for (Connection c : connections) {
            c.channel().writeAndFlush(frame.get());
        }
    }

    /** Drops every open connection without a close frame; the port stays bound. */
    public void dropAll() {
        for (Connection c : connections) {
            c.channel().close();
        }
    }

    /** Drops every connection without a close frame and unbinds the port. */
    public void stop() {
        DisposableServer s = server;
        if (s != null) {
            s.disposeNow(Duration.ofSeconds(10));
        }
        for (Connection c : connections) {
            c.dispose();
        }
    }

    /** Binds the same port again after {@link #stop()}. */
    public void restart() {
        bind(port);
    }

    @Override
    public void close() {
        stop();
    }
}
