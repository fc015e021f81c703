package io.reactivewspool.internal.netty;

import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionEncoder;
import io.reactivewspool.message.WsCloseStatus;
import io.reactivewspool.server.HandshakeInfo;
import io.reactivewspool.server.InboundFrame;
import io.reactivewspool.server.OutboundFrame;
import io.reactivewspool.server.WsFrameTooLargeException;
import io.reactivewspool.server.WsTransport;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;

/** {@link WsTransport} over a Reactor Netty WebSocket. */
final class NettyWsTransport implements WsTransport {

    private final HandshakeInfo handshake;
    private final WebsocketInbound in;
    private final WebsocketOutbound out;
    private final int maxFrameBytes;
    private final Channel channel;
    private final Connection connection;
    private static final long CLOSE_GRACE_MILLIS = 3_000;

    NettyWsTransport(HandshakeInfo handshake, WebsocketInbound in, WebsocketOutbound out, int maxFrameBytes) {
        Connection[] conn = {null};
        in.withConnection(c -> conn[0] = c);
        this.connection = conn[0];
        this.channel = connection.channel();
        this.handshake = handshake;
        this.in = in;
        this.out = out;
        this.maxFrameBytes = maxFrameBytes;
    }

    @Override
    public HandshakeInfo handshake() {
        return handshake;
    }

    @Override
    public Optional<Executor> executor() {
        return Optional.of(channel.eventLoop());
    }

    @Override
    public Flux<InboundFrame> receive() {
        // The copy happens inside onNext; Reactor Netty releases the frame once onNext returns,
        // so each inbound buffer is released exactly once, by Reactor Netty.
        return in.aggregateFrames(maxFrameBytes).receiveFrames().map(NettyWsTransport::toInbound)
                .onErrorMap(TooLongFrameException.class, e -> new WsFrameTooLargeException(
                        "message larger than " + maxFrameBytes + " bytes", e));
    }

    private static InboundFrame toInbound(WebSocketFrame f) {
        byte[] bytes = ByteBufUtil.getBytes(f.content());
        InboundFrame.Kind kind;
        if (f instanceof TextWebSocketFrame) {
            kind = InboundFrame.Kind.TEXT;
        } else if (f instanceof PingWebSocketFrame) {
            kind = InboundFrame.Kind.PING;
        } else if (f instanceof PongWebSocketFrame) {
            kind = InboundFrame.Kind.PONG;
        } else {
            kind = InboundFrame.Kind.BINARY;
        }
        return new InboundFrame(kind, bytes);
    }

    @Override
    public Mono<Void> send(Publisher<OutboundFrame> frames) {
        return Mono.create(sink -> {
            // An extension (permessage-deflate) must see every frame: those connections skip pre-framing.
            ChannelHandlerContext encoder = channel.pipeline().get(WebSocketExtensionEncoder.class) == null
                    ? channel.pipeline().context(WebSocketFrameEncoder.class) : null;
            FrameWriter writer = new FrameWriter(channel, sink, encoder);
            connection.addHandlerLast("wspool.writer", writer);
            sink.onCancel(writer::cancel);
            frames.subscribe(writer);
        });
    }

    @Override
    public Mono<Void> close(WsCloseStatus status) {
        // On the channel's event loop: there "still active" and "write the close frame" cannot be
        // separated by the channel closing, which would strand the close frame's buffer.
        return Mono.defer(() -> {
            if (!channel.isActive()) {
                return Mono.<Void>empty();
            }
            // The close frame queues behind unwritten data; a client that stopped reading would
            // keep the channel open forever, so close it anyway after a grace period.
            channel.eventLoop().schedule(() -> {
                channel.close();
            }, CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
            return out.sendClose(status.code(), status.reason());
        }).subscribeOn(Schedulers.fromExecutor(channel.eventLoop()));
    }
}
