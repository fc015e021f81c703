package io.reactivewspool.internal.netty;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Consumer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.reactivewspool.server.AdminHttpApi;
import io.reactivewspool.server.Admission;
import io.reactivewspool.server.Dashboard;
import io.reactivewspool.server.HandshakeInfo;
import io.reactivewspool.server.netty.WsServerOptions;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;

/**
 * The HTTP side of one plain-Netty connection, until it becomes a WebSocket: applies the same
 * {@link Route} and admin API as {@link ReactorNettyHttpHandler}. One request at a time; HTTP keep-alive is
 * honoured. On an accepted upgrade it answers the 101 with Netty's handshaker and puts a
 * {@link PlainNettyWsTransport} in its own place.
 *
 * <p>Reading stops while the hub admits an upgrade or answers an admin request; requests the
 * client pipelined meanwhile wait in a backlog (at most what one read decoded). Anything behind an
 * upgrade request before its 101 closes the connection (RFC 6455 4.1).
 */
final class PlainNettyHttpHandler extends ChannelInboundHandlerAdapter {

    static final String CODEC = "wspool.http";
    static final String NAME = "wspool.router";

    private static final Logger log = LoggerFactory.getLogger(PlainNettyHttpHandler.class);
    private static final int MAX_BODY = AdminHttpApi.MAX_BODY_BYTES + 1;
    private static final byte[] NO_BODY = new byte[0];

    /** Waiting for a request. */
    private static final int READY = 0;
    /** The request is answered; its body is read and dropped. */
    private static final int DISCARDING = 1;
    /** Reading an admin request's body. */
    private static final int ADMIN_BODY = 2;
    /** The admin API is answering; reading stopped. */
    private static final int ANSWERING = 3;
    /** The hub is admitting an upgrade, or its 101 is on its way; reading stopped. */
    private static final int UPGRADING = 4;
    /** The answer closes the connection; everything else is dropped. */
    private static final int CLOSING = 5;

    private final PlainNettyEngine.Routes routes;
    private final Channel channel;
    private ChannelHandlerContext ctx;
    private int state = READY;
    private HttpRequest request;
    private boolean keepAlive;
    private String adminPath;
    private byte[] body = NO_BODY;
    private int bodyLength;
    private HandshakeInfo handshake;
    private boolean upgradeRequestEnded;
    private ArrayDeque<Object> backlog;

    PlainNettyHttpHandler(PlainNettyEngine.Routes routes, Channel channel) {
        this.routes = routes;
        this.channel = channel;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (backlog != null) {
            backlog.forEach(ReferenceCountUtil::release);
            backlog = null;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        switch (state) {
            case CLOSING -> ReferenceCountUtil.release(msg);
            case ANSWERING -> {
                if (backlog == null) {
                    backlog = new ArrayDeque<>(4);
                }
                backlog.add(msg);
            }
            case UPGRADING -> {
                if (!upgradeRequestEnded && msg instanceof LastHttpContent end && !end.content().isReadable()
                        && end.decoderResult().isSuccess()) {
                    upgradeRequestEnded = true;
                    end.release();
                    return;
                }
                ReferenceCountUtil.release(msg);
                log.debug("upgrade dropped: bytes behind the upgrade request remote={}", channel.remoteAddress());
                closeNow();
            }
            default -> {
                try {
                    route(msg);
                } finally {
                    ReferenceCountUtil.release(msg);
                }
            }
        }
    }

    private void route(Object msg) {
        if (msg instanceof HttpObject o && o.decoderResult().isFailure()) {
            undecodable(o.decoderResult().cause());
        } else if (msg instanceof HttpRequest req) {
            if (state != READY) {
                closeNow();
                return;
            }
            request(req);
        } else if (msg instanceof HttpContent content) {
            if (state == ADMIN_BODY) {
                append(content.content());
            }
            if (msg instanceof LastHttpContent) {
                if (state == ADMIN_BODY) {
                    answerAdmin();
                } else if (state == DISCARDING) {
                    state = READY;
                }
            }
        } else {
            closeNow();
        }
    }

    private void request(HttpRequest req) {
        // As Reactor Netty: an HTTP/1.0 connection is not kept, even when the client asks for it.
        keepAlive = HttpUtil.isKeepAlive(req) && req.protocolVersion().isKeepAliveDefault();
        Route route = Route.decide(routes.options(), req.method(), req.protocolVersion(), req.uri(), req.headers());
        switch (route.kind()) {
            case UPGRADE -> websocket(req);
            case ADMIN -> admin(req, route.path());
            case HEALTH -> answer(adminResponse(HealthEndpoints.answer(routes.hub(), req.method().name(), route.path())), DISCARDING);
            case DASHBOARD -> answer(assetResponse(routes.dashboard().serve(req.method().name(), route.path(),
                    AdminHttpApi.BASE_PATH + Dashboard.SUB_PATH)), DISCARDING);
            case REFUSE -> refuse(route.refusal());
        }
    }

    private void refuse(Route.Refusal refusal) {
        FullHttpResponse r = response(refusal.status(), refusal.contentType(), refusal.body());
        if (refusal.header() != null) {
            r.headers().set(refusal.header(), refusal.headerValue());
        }
        if (refusal.close()) {
            log.info("upgrade refused status={} reason=\"{}\" remote={}", refusal.status(), refusal.body().strip(),
                    channel.remoteAddress());
            answerAndClose(r);
        } else {
            answer(r, DISCARDING);
        }
    }

    private void admin(HttpRequest req, String sub) {
        handshake = Handshakes.of(req.uri(), req.headers(), (InetSocketAddress) channel.remoteAddress(), routes.options().path());
        Optional<AdminHttpApi.Response> refused = routes.adminApi().refusal(sub, handshake);
        if (refused.isPresent()) {
            // Before a byte of the body is read, and closed: what follows is dropped unread.
            answerAndClose(adminResponse(refused.get()));
            return;
        }
        request = req;
        adminPath = sub;
        state = ADMIN_BODY;
        if (HttpUtil.is100ContinueExpected(req)) {
            // Past the deflate negotiation, when present: it counts one answer per request.
            ChannelHandlerContext deflate = ctx.pipeline().context(PlainNettyEngine.DEFLATE);
            (deflate != null ? deflate : ctx).writeAndFlush(
                    new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER));
        }
    }

    // ---------------------------------------------------------------- WebSocket upgrade

    private void websocket(HttpRequest req) {
        request = req;
        handshake = Handshakes.of(req.uri(), req.headers(), (InetSocketAddress) channel.remoteAddress(), routes.options().path());
        state = UPGRADING;
        channel.config().setAutoRead(false);
        routes.hub().admit(handshake).subscribe(new OnLoop<>(this::admitted));
    }

    private void admitted(Admission admission) {
        if (state != UPGRADING || !channel.isActive()) {
            return;
        }
        if (!admission.isAccepted()) {
            answerAndClose(response(admission.httpStatus(), Route.TEXT, admission.reason() + "\n"));
            return;
        }
        HttpRequest req = request;
        request = null;
        // The headers were checked above, and the request has no body.
        DefaultFullHttpRequest full = new DefaultFullHttpRequest(req.protocolVersion(), req.method(), req.uri(),
                Unpooled.EMPTY_BUFFER, req.headers(), EmptyHttpHeaders.INSTANCE);
        WebSocketServerHandshaker handshaker = routes.handshakers().newHandshaker(full, admission.subprotocol());
        ChannelPromise upgraded = channel.newPromise();
        upgraded.addListener(f -> upgraded(f, admission));
        try {
            handshaker.handshake(channel, full, null, upgraded);
        } catch (RuntimeException e) {
            // Before the pipeline changes: the checks above make this unreachable, the answer stays HTTP.
            failed(e);
        }
    }

    /** The 101 is written and the HTTP codec gone: from here the connection is the hub's. */
    private void upgraded(Future<?> handshakeDone, Admission admission) {
        if (!handshakeDone.isSuccess() || state != UPGRADING || !channel.isActive()) {
            if (state != CLOSING) {
                log.debug("upgrade failed remote={} error={}", channel.remoteAddress(), String.valueOf(handshakeDone.cause()));
                closeNow();
            }
            return;
        }
        PlainNettyWsTransport transport = new PlainNettyWsTransport(channel, handshake.afterUpgrade(), routes.maxFrameBytes());
        handshake = null;
        ctx.pipeline().replace(this, PlainNettyWsTransport.NAME, transport);
        routes.hub().serve(transport, admission).subscribe(transport);
        channel.config().setAutoRead(true);
    }

    // ---------------------------------------------------------------- admin API

    private void append(ByteBuf chunk) {
        int n = Math.min(chunk.readableBytes(), MAX_BODY - bodyLength);
        if (n <= 0) {
            return;
        }
        if (bodyLength + n > body.length) {
            body = Arrays.copyOf(body, Math.min(MAX_BODY, Math.max(bodyLength + n, body.length * 2)));
        }
        chunk.getBytes(chunk.readerIndex(), body, bodyLength, n);
        bodyLength += n;
    }

    private void answerAdmin() {
        HttpRequest req = request;
        byte[] content = Arrays.copyOf(body, bodyLength);
        request = null;
        body = NO_BODY;
        bodyLength = 0;
        state = ANSWERING;
        channel.config().setAutoRead(false);
        HandshakeInfo info = handshake;
        handshake = null;
        routes.adminApi().handle(req.method().name(), adminPath, info, Mono.just(content))
                .subscribe(new OnLoop<>(this::adminAnswered));
    }

    private void adminAnswered(AdminHttpApi.Response r) {
        if (state != ANSWERING || !channel.isActive()) {
            return;
        }
        answer(adminResponse(r), READY);
        if (state == READY) {
            resume();
        }
    }

    private static FullHttpResponse assetResponse(Dashboard.Asset a) {
        FullHttpResponse res = response(a.status(), null, a.body());
        a.headers().forEach((name, value) -> res.headers().set(name, value));
        return res;
    }

    private static FullHttpResponse adminResponse(AdminHttpApi.Response r) {
        FullHttpResponse res = response(r.status(), r.contentType(), r.body());
        if (r.allow() != null) {
            res.headers().set(HttpHeaderNames.ALLOW, r.allow());
        }
        if (r.status() == 401) {
            res.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
        }
        return res;
    }

    /** Serves what was pipelined while reading was stopped, then reads again. */
    private void resume() {
        Object next;
        while (state != ANSWERING && backlog != null && (next = backlog.poll()) != null) {
            channelRead(ctx, next);
        }
        if (state == READY || state == DISCARDING || state == ADMIN_BODY) {
            channel.config().setAutoRead(true);
        }
    }

    // ---------------------------------------------------------------- answers

    /** Writes the answer and continues in {@code next}, or closes when the client does not keep the connection. */
    private void answer(FullHttpResponse r, int next) {
        if (!keepAlive) {
            answerAndClose(r);
            return;
        }
        state = next;
        ctx.writeAndFlush(r);
    }

    private void answerAndClose(FullHttpResponse r) {
        state = CLOSING;
        request = null;
        handshake = null;
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }

    /** A request Netty's decoder could not read: Reactor Netty's answers (414, 431, else 400), then close. */
    private void undecodable(Throwable cause) {
        log.debug("undecodable request remote={} error={}", channel.remoteAddress(), String.valueOf(cause));
        if (state != READY && state != ADMIN_BODY) {
            // The request is answered already, or the connection is switching protocols.
            closeNow();
            return;
        }
        int status = cause instanceof TooLongHttpLineException ? 414
                : cause instanceof TooLongHttpHeaderException ? 431 : 400;
        answerAndClose(response(status, null, NO_BODY));
    }

    private void failed(Throwable error) {
        if (state == CLOSING || !channel.isActive()) {
            return;
        }
        // The class only: an authenticator's message may quote the credential it rejected.
        log.warn("request failed remote={} error={}", channel.remoteAddress(), error.getClass().getName());
        answerAndClose(response(500, Route.TEXT, "internal server error\n"));
    }

    private void closeNow() {
        state = CLOSING;
        request = null;
        handshake = null;
        channel.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("connection failed remote={} error={}", channel.remoteAddress(), cause.toString());
        closeNow();
    }

    private static FullHttpResponse response(int status, String contentType, String body) {
        return response(status, contentType, body.getBytes(StandardCharsets.UTF_8));
    }

    private static FullHttpResponse response(int status, String contentType, byte[] body) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                Unpooled.wrappedBuffer(body));
        if (contentType != null) {
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        }
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        return r;
    }

    /** Takes the one answer of the hub's publisher (an admission, an admin response) to the channel's event loop. */
    private final class OnLoop<T> implements CoreSubscriber<T> {

        private final Consumer<T> then;
        private boolean answered;

        OnLoop(Consumer<T> then) {
            this.then = then;
        }

        @Override
        public void onSubscribe(Subscription s) {
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(T value) {
            answered = true;
            // Always a task, also on the loop: the decoder is still handing on the request's end.
            channel.eventLoop().execute(() -> then.accept(value));
        }

        @Override
        public void onError(Throwable error) {
            answered = true;
            channel.eventLoop().execute(() -> failed(error));
        }

        @Override
        public void onComplete() {
            if (!answered) {
                channel.eventLoop().execute(() -> failed(new IllegalStateException("no answer")));
            }
        }
    }
}
