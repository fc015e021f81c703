package io.reactivewspool.benchmarks;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.reactivewspool.WsProtocolException;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.LoopResources;

/** The service every benchmark talks to: answers each message with an {@code id} by a {@code reply} with that id and data. */
final class LoopbackReplyServer implements AutoCloseable {

    private final LoopResources loops = LoopResources.create("reply-server", 1, 2, true);
    private final AtomicInteger open = new AtomicInteger();
    private final DisposableServer server;

    LoopbackReplyServer() {
        WsCodec codec = WsCodec.json();
        // Its own event loops, as a server in another process has: on the clients' shared loops a
        // connection and its server side could land on one thread or on two, by chance, and the
        // figures with it.
        server = HttpServer.create().host("127.0.0.1").port(0).runOn(loops)
                .doOnConnection(c -> {
                    open.incrementAndGet();
                    c.onDispose(open::decrementAndGet);
                })
                // receive().asByteArray(): Reactor Netty owns and releases the frames (filtering frames
                // with ofType() hands dropped ones to the discard hook, a second release). The service
                // does little per request (no String round trips, no inner publisher), so that the
                // figures are the client's.
                .route(r -> r.ws("/ws", (in, out) -> out.sendObject(in.receive().asByteArray()
                        .handle((bytes, sink) -> {
                            try {
                                WsMessage m = codec.decode(bytes);
                                if (m.id() != null) {
                                    byte[] reply = codec.encode(WsMessage.builder("reply").id(m.id()).data(m.data()).build());
                                    sink.next(new TextWebSocketFrame(Unpooled.wrappedBuffer(reply)));
                                }
                            } catch (WsProtocolException e) {
                                // not a request: no answer
                            }
                        }))))
                .bindNow(Duration.ofSeconds(10));
    }

    /** TCP connections the server holds now. */
    int openConnections() {
        return open.get();
    }

    String url() {
        return "ws://127.0.0.1:" + server.port() + "/ws";
    }

    @Override
    public void close() {
        server.disposeNow(Duration.ofSeconds(10));
        loops.disposeLater().block(Duration.ofSeconds(10));
    }
}
