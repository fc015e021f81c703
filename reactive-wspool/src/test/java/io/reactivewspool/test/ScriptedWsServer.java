package io.reactivewspool.test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;

import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.reactivewspool.WsProtocolException;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import static org.awaitility.Awaitility.await;

/**
 * A loopback WebSocket server at {@code /ws} that plays a hub as a test scripts it, to put a
 * client in situations a correct hub does not produce on demand (a replay overlapping what was
 * delivered live, a late copy of a message). Every connection is a {@link Peer}: it gets a
 * {@code welcome}, hands each decoded client message to the script (or to a queue a test reads),
 * and sends what the test tells it, in the order told.
 *
 * <pre>{@code
 * try (ScriptedWsServer server = ScriptedWsServer.start()) {
 *     ScriptedWsServer.Peer p = server.awaitPeer(0);
 *     WsMessage sub = p.awaitRequest();
 *     p.send(WsMessage.subscribed(sub.topic(), sub.id()));
 *     p.drop();
 * }
 * }</pre>
 */
public final class ScriptedWsServer implements AutoCloseable {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private final List<Peer> peers = new CopyOnWriteArrayList<>();
    private final BiConsumer<Peer, WsMessage> script;
    private final DisposableServer server;

    private ScriptedWsServer(BiConsumer<Peer, WsMessage> script) {
        this.script = script;
        this.server = HttpServer.create().host("127.0.0.1").port(0)
                .route(r -> r.ws("/ws", (in, out) -> {
                    Peer peer = new Peer(peers.size());
                    in.withConnection(c -> peer.connection = c);
                    peer.send(WsMessage.welcome("scripted-" + peer.index, null, 30_000));
                    peers.add(peer);
                    // Inbound consumed inside the handler's publisher (as EchoWsServer does): the
                    // connection lives until both the client's side and the script's side end.
                    Mono<Void> inbound = in.receiveFrames().doOnNext(f -> {
                        if (f instanceof TextWebSocketFrame text) {
                            try {
                                peer.received(WsCodec.json().decode(text.text()));
                            } catch (WsProtocolException e) {
                                // not a message: a scripted hub ignores it
                            }
                        }
                    }).then().doFinally(sig -> peer.endOutbound());
                    return Mono.when(inbound, out.sendString(peer.outbound.asFlux()).then());
                }))
                .bindNow(WAIT);
    }

    /** A server whose connections queue every client message for {@link Peer#awaitRequest()}. */
    public static ScriptedWsServer start() {
        return new ScriptedWsServer(null);
    }

    /** A server that runs {@code script} for every client message, on the connection's I/O thread. */
    public static ScriptedWsServer start(BiConsumer<Peer, WsMessage> script) {
        return new ScriptedWsServer(script);
    }

    /** {@code ws://127.0.0.1:<port>/ws}. */
    public String url() {
        return "ws://127.0.0.1:" + server.port() + "/ws";
    }

    /** The {@code n}th connection accepted (from 0), waiting up to 30 s for it. */
    public Peer awaitPeer(int n) {
        await().atMost(WAIT).until(() -> peers.size() > n);
        return peers.get(n);
    }

    /** Connections accepted so far. */
    public List<Peer> peers() {
        return List.copyOf(peers);
    }

    @Override
    public void close() {
        peers.forEach(Peer::drop);
        server.disposeNow(WAIT);
    }

    /** One client connection. Thread-safe: {@link #send} may be called from any thread. */
    public final class Peer {

        private final int index;
        private final Sinks.Many<String> outbound = Sinks.many().unicast().onBackpressureBuffer();
        /** Not a blocking queue: the I/O thread that adds must never park (BlockHound). */
        private final Queue<WsMessage> requests = new ConcurrentLinkedQueue<>();
        private volatile Connection connection;

        private Peer(int index) {
            this.index = index;
        }

        /** The order in which the server accepted this connection, from 0. */
        public int index() {
            return index;
        }

        private void received(WsMessage m) {
            if (script != null) {
                script.accept(this, m);
            } else {
                requests.add(m);
            }
        }

        /** The next client message, waiting up to 30 s for it. */
        public WsMessage awaitRequest() {
            AtomicReference<WsMessage> next = new AtomicReference<>();
            await().atMost(WAIT).alias("a client message on connection " + index)
                    .until(() -> next.compareAndSet(null, requests.poll()) && next.get() != null);
            return next.get();
        }

        /** Sends {@code m} after everything sent before it on this connection. */
        public synchronized void send(WsMessage m) {
            outbound.tryEmitNext(new String(WsCodec.json().encode(m), StandardCharsets.UTF_8));
        }

        /** Drops the connection without a close frame (a hub killed, a path reset). */
        public void drop() {
            Connection c = connection;
            if (c != null) {
                c.channel().close(); // first: a completed outbound would end with a close frame
            }
            endOutbound();
        }

        private synchronized void endOutbound() {
            outbound.tryEmitComplete();
        }

        /** Whether the connection is open. */
        public boolean isOpen() {
            Connection c = connection;
            return c != null && c.channel().isActive();
        }
    }
}
