package io.reactivewspool.internal.netty;

import java.io.ByteArrayOutputStream;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.server.AdminHttpApi;
import io.reactivewspool.server.Dashboard;
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
 * Applies the {@link Route} to one Reactor Netty HTTP request: the hub's WebSocket path (admission
 * before the upgrade), the admin HTTP API, or the route's refusal.
 */
public final class ReactorNettyHttpHandler {

    private static final Logger log = LoggerFactory.getLogger(ReactorNettyHttpHandler.class);
    private final WsHub hub;
    private final AdminHttpApi adminApi;
    private final WsServerOptions options;
    private final WebsocketServerSpec spec;
    /** The spec answering each subprotocol the hub offers, by name. */
    private final Map<String, WebsocketServerSpec> specs = new ConcurrentHashMap<>();
    private final int maxFrameBytes;
    private final Dashboard dashboard;

    /** {@code dashboard}: loaded when {@code options.dashboard()}, else {@code null}. */
    public ReactorNettyHttpHandler(WsHub hub, WsServerOptions options, int maxFrameBytes, Dashboard dashboard) {
        this.hub = hub;
        this.dashboard = dashboard;
        this.adminApi = new AdminHttpApi(hub.admin(), options.adminAuthenticator());
        this.options = options;
        this.maxFrameBytes = maxFrameBytes;
        this.spec = spec(null);
        for (WsCodec codec : hub.options().codecs()) {
            specs.put(codec.subprotocol(), spec(codec.subprotocol()));
        }
    }

    /** The WebSocket spec answering {@code subprotocol} (the hub chose it in admit), or none. */
    private WebsocketServerSpec spec(String subprotocol) {
        WebsocketServerSpec.Builder b = WebsocketServerSpec.builder()
                .maxFramePayloadLength(maxFrameBytes)
                .compress(options.compression())
                // A deflated frame is inflated only up to the limit: a small frame must not cost what it inflates to.
                .maxDecompressionBufferSize(maxFrameBytes)
                // Ping frames reach the hub (they count as activity); the hub answers them.
                .handlePing(true);
        if (subprotocol != null) {
            b.protocols(subprotocol);
        }
        return b.build();
    }

    public Publisher<Void> handle(HttpServerRequest req, HttpServerResponse res) {
        Route route = Route.decide(options, req.method(), req.version(), req.uri(), req.requestHeaders());
        return switch (route.kind()) {
            case UPGRADE -> websocket(req, res);
            case ADMIN -> admin(req, res, route.path());
            case HEALTH -> send(res, HealthEndpoints.answer(hub, req.method().name(), route.path()));
            case DASHBOARD -> send(res, dashboard.serve(req.method().name(), route.path(),
                    AdminHttpApi.BASE_PATH + Dashboard.SUB_PATH));
            case REFUSE -> refuse(req, res, route.refusal());
        };
    }

    private static Mono<Void> refuse(HttpServerRequest req, HttpServerResponse res, Route.Refusal r) {
        if (r.close()) {
            log.info("upgrade refused status={} reason=\"{}\" remote={}", r.status(), r.body().strip(), req.remoteAddress());
            res.header(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        if (r.contentType() != null) {
            res.header(HttpHeaderNames.CONTENT_TYPE, r.contentType());
        }
        if (r.header() != null) {
            res.header(r.header(), r.headerValue());
        }
        return res.status(r.status()).sendString(Mono.just(r.body())).then();
    }

    private Mono<Void> websocket(HttpServerRequest req, HttpServerResponse res) {
        HandshakeInfo hs = Handshakes.of(req.uri(), req.requestHeaders(), req.remoteAddress(), options.path());
        return hub.admit(hs).flatMap(admission -> {
            if (!admission.isAccepted()) {
                return res.status(admission.httpStatus())
                        .header(HttpHeaderNames.CONTENT_TYPE, Route.TEXT)
                        .header(HttpHeaderNames.CONNECTION, "close")
                        .sendString(Mono.just(admission.reason() + "\n")).then();
            }
            return ReactorNettyTakeover.upgrade(res, admission.subprotocol() == null ? spec
                    : specs.computeIfAbsent(admission.subprotocol(), this::spec), hs.afterUpgrade(), maxFrameBytes,
                    transport -> hub.serve(transport, admission));
        });
    }

    // ---------------------------------------------------------------- admin API

    private Mono<Void> admin(HttpServerRequest req, HttpServerResponse res, String sub) {
        HandshakeInfo hs = Handshakes.of(req.uri(), req.requestHeaders(), req.remoteAddress(), options.path());
        Optional<AdminHttpApi.Response> refused = adminApi.refusal(sub, hs);
        if (refused.isPresent()) {
            // Answered before a byte of the body is read, and closed: the body stays unread.
            return send(res.header(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE), refused.get());
        }
        return boundedBody(req)
                .flatMap(body -> adminApi.handle(req.method().name(), sub, hs, Mono.just(body)))
                .flatMap(r -> send(res, r));
    }

    private static Mono<Void> send(HttpServerResponse res, Dashboard.Asset a) {
        res.status(a.status());
        a.headers().forEach(res::header);
        return res.sendByteArray(Mono.just(a.body())).then();
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
                .reduceWith(ByteArrayOutputStream::new, (acc, chunk) -> {
                    int room = cap - acc.size();
                    acc.write(chunk, 0, Math.min(room, chunk.length));
                    return acc;
                })
                .map(ByteArrayOutputStream::toByteArray)
                .defaultIfEmpty(new byte[0]);
    }
}
