package io.reactivewspool.internal.client;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.reactivewspool.WsConnectException;
import io.reactivewspool.client.WsClientOptions;
import io.reactivewspool.client.WsConnection;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.WebsocketClientSpec;

/**
 * Opens one WebSocket with Reactor Netty. The connection lives inside the
 * {@code websocket().handle(...)} callback; the callback hands the connection out through a
 * {@link Mono} sink and returns the connection's inbound loop, so the socket stays open until
 * either side closes it.
 */
public final class NettyWsConnector {

    private final WsClientOptions options;
    private final String label;
    private final Scheduler timer;
    private final HttpClient http;
    private final WebsocketClientSpec spec;

    public NettyWsConnector(WsClientOptions options, String label) {
        this(options, label, Schedulers.parallel());
    }

    public NettyWsConnector(WsClientOptions options, String label, Scheduler timer) {
        this.options = options;
        this.label = label;
        this.timer = timer;
        HttpClient base = HttpClient.newConnection()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) options.connectTimeout().toMillis())
                // Many callers write on one connection from many threads: let Netty coalesce their
                // flushes instead of one syscall per frame.
                .doOnChannelInit((observer, channel, address) ->
                        channel.pipeline().addFirst("wspool.flushConsolidation", new FlushConsolidationHandler(256, true)))
                .headers(h -> {
                    options.headers().forEach(h::set);
                    if (options.bearerToken() != null) {
                        h.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + options.bearerToken());
                    }
                });
        this.http = options.httpClientCustomizer().apply(base);
        WebsocketClientSpec.Builder b = WebsocketClientSpec.builder()
                .maxFramePayloadLength(options.maxFrameSize())
                .compress(options.compression())
                // A deflated frame from the server is inflated only up to the limit.
                .maxDecompressionBufferSize(options.maxFrameSize())
                .handlePing(false);
        if (!options.subprotocols().isEmpty()) {
            b.protocols(String.join(",", options.subprotocols()));
        } else if (options.codec().binary() && options.codec().subprotocol() != null) {
            // A binary codec is asked for by name: a server that does not answer it would read JSON,
            // and the upgrade then fails (Netty checks the answer) instead of garbling every frame.
            b.protocols(options.codec().subprotocol());
        }
        this.spec = b.build();
    }

    /** A cold Mono that opens a new connection on each subscription. */
    public Mono<WsConnection> connect() {
        Duration handshake = options.handshakeTimeout();
        Mono<WsConnection> open = Mono.create(sink -> {
            AtomicReference<DefaultWsConnection> ref = new AtomicReference<>();
            Disposable life = http.websocket(spec)
                    .uri(options.url())
                    .handle((in, out) -> {
                        DefaultWsConnection c = new DefaultWsConnection(in, out, options, label, timer);
                        ref.set(c);
                        sink.success(c);
                        return c.run(in);
                    })
                    .subscribe(null, err -> {
                        DefaultWsConnection c = ref.get();
                        if (c == null) {
                            sink.error(new WsConnectException(options.url(), 1, err));
                        } else {
                            c.terminated(err);
                        }
                    }, () -> {
                        DefaultWsConnection c = ref.get();
                        if (c == null) {
                            sink.error(new WsConnectException(options.url(), 1,
                                    new IllegalStateException("connection ended before the upgrade completed")));
                        } else {
                            c.terminated(null);
                        }
                    });
            // Cancelled before the upgrade (handshake timeout, caller gave up): drop the socket.
            sink.onCancel(life);
        });
        return open.timeout(handshake, Mono.error(() -> new WsConnectException(options.url(), 1,
                new TimeoutException("WebSocket upgrade not completed within " + handshake.toMillis() + "ms"))), timer);
    }
}
