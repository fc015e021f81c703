package io.reactivewspool.internal.netty;

import java.util.Optional;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.reactivewspool.server.AdminHttpApi;
import io.reactivewspool.server.HandshakeInfo;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.server.netty.WsServerOptions;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.WebsocketServerSpec;

/**
 * Routes one Reactor Netty HTTP server: the hub's WebSocket path (admission before the upgrade)
 * and the admin HTTP API.
 */
public final class NettyHubHandler {

    /** The body of a 404, for both engines. */
    static final String NOT_FOUND = "{\"error\":\"not found\"}";
    /** The body of the 426 for a plain request on the WebSocket path, for both engines. */
    static final String NOT_AN_UPGRADE = "expected a WebSocket upgrade request\n";
    /** The content type of refusals. */
    static final String TEXT = "text/plain; charset=utf-8";

    private static final Logger log = LoggerFactory.getLogger(NettyHubHandler.class);
    private final WsHub hub;
    private final AdminHttpApi adminApi;
    private final WsServerOptions options;
    private final WebsocketServerSpec spec;
    private final int maxFrameBytes;

    public NettyHubHandler(WsHub hub, WsServerOptions options, int maxFrameBytes) {
        this.hub = hub;
        this.adminApi = new AdminHttpApi(hub.admin(), options.adminAuthenticator());
        this.options = options;
        this.maxFrameBytes = maxFrameBytes;
        this.spec = WebsocketServerSpec.builder()
                .maxFramePayloadLength(maxFrameBytes)
                .compress(options.compression())
                // A deflated frame is inflated only up to the limit: a small frame must not cost what it inflates to.
                .maxDecompressionBufferSize(maxFrameBytes)
                // Ping frames reach the hub (they count as activity); the hub answers them.
                .handlePing(true)
                .build();
    }

    public Publisher<Void> handle(HttpServerRequest req, HttpServerResponse res) {
        AdminHttpApi.Response health = HealthEndpoints.answer(hub, options, req.method().name(), req.uri());
        if (health != null) {
            return send(res, health);
        }
        String path = new QueryStringDecoder(req.uri()).path();
        if (path.equals(options.path())) {
            return websocket(req, res);
        }
        String adminSub = adminSubPath(options, path);
        if (adminSub != null) {
            return admin(req, res, adminSub);
        }
        return res.status(404).header(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .sendString(Mono.just(NOT_FOUND)).then();
    }

    /** The path below the admin API of a request path, or {@code null} when the admin API does not serve it. */
    static String adminSubPath(WsServerOptions options, String path) {
        if (options.adminEnabled() && (path.equals(WsServerOptions.ADMIN_PATH) || path.startsWith(WsServerOptions.ADMIN_PATH + "/"))) {
            return path.substring(WsServerOptions.ADMIN_PATH.length());
        }
        return null;
    }

    private Mono<Void> websocket(HttpServerRequest req, HttpServerResponse res) {
        if (!Handshakes.asksForWebSocket(req.requestHeaders())) {
            return res.status(426).header(HttpHeaderNames.UPGRADE, "websocket")
                    .sendString(Mono.just(NOT_AN_UPGRADE)).then();
        }
        Handshakes.Refusal malformed = Handshakes.malformed(req.method(), req.version(), req.requestHeaders());
        if (malformed != null) {
            log.info("upgrade refused status={} reason=\"{}\" remote={}", malformed.status(), malformed.reason(), req.remoteAddress());
            if (malformed.status() == 426) {
                res.header(HttpHeaderNames.SEC_WEBSOCKET_VERSION, "13");
            }
            return res.status(malformed.status())
                    .header(HttpHeaderNames.CONTENT_TYPE, TEXT)
                    .header(HttpHeaderNames.CONNECTION, "close")
                    .sendString(Mono.just(malformed.reason() + "\n")).then();
        }
        HandshakeInfo hs = Handshakes.of(req.uri(), req.requestHeaders(), req.remoteAddress());
        return hub.admit(hs).flatMap(admission -> {
            if (!admission.isAccepted()) {
                return res.status(admission.httpStatus())
                        .header(HttpHeaderNames.CONTENT_TYPE, TEXT)
                        .header(HttpHeaderNames.CONNECTION, "close")
                        .sendString(Mono.just(admission.reason() + "\n")).then();
            }
            return res.sendWebsocket((in, out) -> {
                // The upgrade is answered and HandshakeInfo kept what the hub needs: nothing reads these
                // headers again, and an idle connection would hold them for its whole life.
                if (in instanceof HttpServerRequest upgraded) {
                    upgraded.requestHeaders().clear();
                }
                if (out instanceof HttpServerResponse upgraded) {
                    upgraded.responseHeaders().clear();
                }
                return hub.serve(new NettyWsTransport(hs.afterUpgrade(), in, out, maxFrameBytes), admission);
            }, spec);
        });
    }

    // ---------------------------------------------------------------- admin API

    private Mono<Void> admin(HttpServerRequest req, HttpServerResponse res, String sub) {
        HandshakeInfo hs = Handshakes.of(req.uri(), req.requestHeaders(), req.remoteAddress());
        Optional<AdminHttpApi.Response> refused = adminApi.refusal(sub, hs);
        if (refused.isPresent()) {
            // Answered before a byte of the body is read, and closed: the body stays unread.
            return send(res.header(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE), refused.get());
        }
        return boundedBody(req)
                .flatMap(body -> adminApi.handle(req.method().name(), sub, hs, Mono.just(body)))
                .flatMap(r -> send(res, r));
    }

    private static Mono<Void> send(HttpServerResponse res, AdminHttpApi.Response r) {
        res.status(r.status()).header(HttpHeaderNames.CONTENT_TYPE, r.contentType());
        if (r.allow() != null) {
            res.header(HttpHeaderNames.ALLOW, r.allow());
        }
        if (r.status() == 401) {
            res.header(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
        }
        return res.sendByteArray(Mono.just(r.body())).then();
    }

    /**
     * The whole request body, at most one byte over the admin API's limit: beyond it the rest is
     * read and dropped, so memory stays bounded and the API answers 400 for the oversized body.
     */
    private static Mono<byte[]> boundedBody(HttpServerRequest req) {
        int cap = AdminHttpApi.MAX_BODY_BYTES + 1;
        return req.receive().asByteArray()
                .reduceWith(java.io.ByteArrayOutputStream::new, (acc, chunk) -> {
                    int room = cap - acc.size();
                    acc.write(chunk, 0, Math.min(room, chunk.length));
                    return acc;
                })
                .map(java.io.ByteArrayOutputStream::toByteArray)
                .defaultIfEmpty(new byte[0]);
    }
}
