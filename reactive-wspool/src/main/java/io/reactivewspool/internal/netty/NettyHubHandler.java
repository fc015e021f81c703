package io.reactivewspool.internal.netty;


import java.util.Base64;
import java.util.List;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
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
                // Ping frames reach the hub (they count as activity); the hub answers them.
                .handlePing(true)
                .build();
    }

    public Publisher<Void> handle(HttpServerRequest req, HttpServerResponse res) {
        String path = new io.netty.handler.codec.http.QueryStringDecoder(req.uri()).path();
        if (path.equals(options.path())) {
            return websocket(req, res);
        }
        if (options.adminEnabled() && (path.equals(WsServerOptions.ADMIN_PATH) || path.startsWith(WsServerOptions.ADMIN_PATH + "/"))) {
            return admin(req, res, path.substring(WsServerOptions.ADMIN_PATH.length()));
        }
        return res.status(404).header(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .sendString(Mono.just("{\"error\":\"not found\"}")).then();
    }

    private Mono<Void> websocket(HttpServerRequest req, HttpServerResponse res) {
        String upgrade = req.requestHeaders().get(HttpHeaderNames.UPGRADE);
        if (upgrade == null || !"websocket".equalsIgnoreCase(upgrade.trim())) {
            return res.status(426).header(HttpHeaderNames.UPGRADE, "websocket")
                    .sendString(Mono.just("expected a WebSocket upgrade request\n")).then();
        }
        Refusal malformed = malformedHandshake(req);
        if (malformed != null) {
            log.info("upgrade refused status={} reason=\"{}\" remote={}", malformed.status(), malformed.reason(), req.remoteAddress());
            if (malformed.status() == 426) {
                res.header(HttpHeaderNames.SEC_WEBSOCKET_VERSION, "13");
            }
            return res.status(malformed.status())
                    .header(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                    .header(HttpHeaderNames.CONNECTION, "close")
                    .sendString(Mono.just(malformed.reason() + "\n")).then();
        }
        HandshakeInfo hs = Handshakes.of(req);
        return hub.admit(hs).flatMap(admission -> {
            if (!admission.isAccepted()) {
                return res.status(admission.httpStatus())
                        .header(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
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

    /**
     * Why the request is not an RFC 6455 opening handshake (4.2.1), or {@code null}. Checked
     * before admission, so that Netty's handshaker never sees it: it would answer a missing key
     * by dropping the connection, take a missing version for the obsolete hixie-76 handshake,
     * accept any key and version 8, and hand a body's bytes on as WebSocket frames (smuggling).
     */
    static Refusal malformedHandshake(HttpServerRequest req) {
        HttpHeaders h = req.requestHeaders();
        if (!HttpMethod.GET.equals(req.method())) {
            return Refusal.badRequest("a WebSocket upgrade must be a GET request");
        }
        if (req.version().majorVersion() != 1 || req.version().minorVersion() < 1) {
            return Refusal.badRequest("a WebSocket upgrade needs HTTP/1.1");
        }
        String length = h.get(HttpHeaderNames.CONTENT_LENGTH);
        if (h.contains(HttpHeaderNames.TRANSFER_ENCODING) || (length != null && !"0".equals(length.trim()))) {
            return Refusal.badRequest("a WebSocket upgrade request must not have a body");
        }
        if (!h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)) {
            return Refusal.badRequest("a WebSocket upgrade needs 'Connection: Upgrade'");
        }
        List<String> keys = h.getAll(HttpHeaderNames.SEC_WEBSOCKET_KEY);
        if (keys.size() != 1 || !isWebSocketKey(keys.get(0))) {
            return Refusal.badRequest("Sec-WebSocket-Key must be one base64-encoded 16-byte value");
        }
        List<String> versions = h.getAll(HttpHeaderNames.SEC_WEBSOCKET_VERSION);
        if (versions.isEmpty()) {
            return Refusal.badRequest("a WebSocket upgrade needs Sec-WebSocket-Version: 13");
        }
        if (versions.size() != 1 || !"13".equals(versions.get(0).trim())) {
            return new Refusal(426, "Sec-WebSocket-Version " + versions + " is not supported; use 13");
        }
        return null;
    }

    /** An upgrade refused before admission: the HTTP status and what was wrong. */
    record Refusal(int status, String reason) {
        static Refusal badRequest(String reason) {
            return new Refusal(400, reason);
        }
    }

    private static boolean isWebSocketKey(String key) {
        String k = key.trim();
        if (k.length() != 24) {
            return false;
        }
        try {
            return Base64.getDecoder().decode(k).length == 16;
        } catch (IllegalArgumentException notBase64) {
            return false;
        }
    }

    // ---------------------------------------------------------------- admin API

    private Mono<Void> admin(HttpServerRequest req, HttpServerResponse res, String sub) {
        HandshakeInfo hs = Handshakes.of(req);
        return boundedBody(req)
                .flatMap(body -> adminApi.handle(req.method().name(), sub, hs, Mono.just(body)))
                .flatMap(r -> {
                    res.status(r.status()).header(HttpHeaderNames.CONTENT_TYPE, r.contentType());
                    if (r.allow() != null) {
                        res.header(HttpHeaderNames.ALLOW, r.allow());
                    }
                    if (r.status() == 401) {
                        res.header(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
                    }
                    return res.sendByteArray(Mono.just(r.body())).then();
                });
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
