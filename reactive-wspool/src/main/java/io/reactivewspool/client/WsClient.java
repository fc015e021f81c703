package io.reactivewspool.client;

import java.util.Objects;

import io.reactivewspool.internal.client.NettyWsConnector;
import reactor.core.publisher.Mono;

/**
 * Opens single WebSocket connections, without a pool. Thread-safe and cheap to keep; one
 * client can open any number of connections.
 *
 * <pre>{@code
 * WsClient client = WsClient.create(WsClientOptions.builder("ws://localhost:8080/ws").build());
 * client.connect()
 *       .flatMap(conn -> conn.request(WsMessage.of("echo", null, "hi")).doFinally(s -> conn.close(1000, "").subscribe()))
 *       .subscribe(reply -> System.out.println(reply.data()));
 * }</pre>
 *
 * @see WsClientPool for many callers sharing a few connections
 */
public final class WsClient {

    private final WsClientOptions options;
    private final NettyWsConnector connector;

    private WsClient(WsClientOptions options) {
        this.options = options;
        this.connector = new NettyWsConnector(options, options.safeUrl());
    }

    /** A client with the given options. */
    public static WsClient create(WsClientOptions options) {
        return new WsClient(Objects.requireNonNull(options, "options"));
    }

    /** A client for the URL with default options. */
    public static WsClient create(String url) {
        return create(WsClientOptions.builder(url).build());
    }

    /**
     * Opens a new connection on each subscription: completes with the connection once the
     * upgrade succeeded, or fails with {@code WsConnectException} (naming the URL and the cause)
     * when the connect, the upgrade or the handshake timeout fails. Cold: nothing happens until
     * subscribed; cancelling before completion drops the socket.
     */
    public Mono<WsConnection> connect() {
        return connector.connect();
    }

    /** The options of this client. */
    public WsClientOptions options() {
        return options;
    }
}
