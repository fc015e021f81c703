package io.reactivewspool.samples.clientpool;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.reactivewspool.WsProtocolException;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * A minimal reply service so the sample runs on its own: on {@code ws://127.0.0.1:<port>/ws}
 * it answers every message with an {@code id} by a {@code reply} with the same id and data.
 */
public final class LocalReplyServer {

    private final DisposableServer server;

    private LocalReplyServer(DisposableServer server) {
        this.server = server;
    }

    /** Starts on a free loopback port. */
    public static LocalReplyServer start() {
        WsCodec codec = WsCodec.json();
        DisposableServer s = HttpServer.create().host("127.0.0.1").port(0)
                // receive().asString(): Reactor Netty owns and releases the frames. Filtering frames
                // with ofType() would hand the dropped ones to the discard hook, which releases
                // them a second time.
                .route(r -> r.ws("/ws", (in, out) -> out.sendString(in.receive().asString()
                        .concatMap(text -> {
                            try {
                                WsMessage m = codec.decode(text);
                                if (m.id() == null) {
                                    return Mono.empty();
                                }
                                return Mono.just(new String(codec.encode(WsMessage.builder("reply").id(m.id()).data(m.data()).build()),
                                        StandardCharsets.UTF_8));
                            } catch (WsProtocolException e) {
                                return Mono.empty();
                            }
                        }))))
                .bindNow(Duration.ofSeconds(10));
        return new LocalReplyServer(s);
    }

    /** The WebSocket URL. */
    public String url() {
        return "ws://127.0.0.1:" + server.port() + "/ws";
    }

    /** Stops the server and closes its connections. */
    public void stop() {
        server.disposeNow(Duration.ofSeconds(10));
    }
}
