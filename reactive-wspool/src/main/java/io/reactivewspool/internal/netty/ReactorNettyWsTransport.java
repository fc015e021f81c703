package io.reactivewspool.internal.netty;

import io.netty.channel.Channel;
import io.reactivewspool.message.WsCloseStatus;
import io.reactivewspool.server.HandshakeInfo;
import io.reactivewspool.server.InboundFrame;
import io.reactivewspool.server.OutboundFrame;
import io.reactivewspool.server.WsTransport;
import io.reactivewspool.server.netty.NettyClose;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;

/**
 * {@link WsTransport} over a Reactor Netty WebSocket's inbound and outbound: {@code ReactorNettyTransport.of}
 * for an application's route, and the Reactor Netty engine's and the Spring adapter's for a connection that
 * {@link ReactorNettyTakeover} leaves with Reactor Netty; it writes pre-framed broadcasts through the same
 * per-event-loop batching as the other transports.
 */
public final class ReactorNettyWsTransport implements ChannelTransport {

    private final HandshakeInfo handshake;
    private final WebsocketInbound in;
    private final WebsocketOutbound out;
    private final int maxFrameBytes;
    private final Channel channel;
    private final Connection connection;
    /** The connection's frame writer; {@code null} until sending starts. */
    private volatile FrameWriter writer;

    public ReactorNettyWsTransport(HandshakeInfo handshake, WebsocketInbound in, WebsocketOutbound out, int maxFrameBytes) {
        Connection[] conn = {null};
        in.withConnection(c -> conn[0] = c);
        this.connection = conn[0];
        this.channel = connection.channel();
        this.handshake = handshake;
        this.in = in;
        this.out = out;
        this.maxFrameBytes = maxFrameBytes;
        // The upgrade is answered and the HandshakeInfo holds what the hub keeps: nothing reads these
        // headers again, and an idle connection would hold them for its whole life (about 1 KB under
        // WebFlux, which leaves them as the client sent them).
        if (in instanceof HttpServerRequest upgraded) {
            upgraded.requestHeaders().clear();
        }
        if (out instanceof HttpServerResponse upgraded) {
            upgraded.responseHeaders().clear();
        }
    }

    @Override
    public HandshakeInfo handshake() {
        return handshake;
    }

    @Override
    public Channel channel() {
        return channel;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Flux<InboundFrame> receive() {
        // The copy happens inside onNext; Reactor Netty releases the frame once onNext returns,
        // so each inbound buffer is released exactly once, by Reactor Netty.
        return new InboundFrames((Flux<Object>) in.receiveObject(), maxFrameBytes);
    }

    @Override
    public Mono<Void> send(Publisher<OutboundFrame> frames) {
        return FrameWriter.send(channel, frames, (ch, w) -> {
            writer = w;
            // The engine's channels have a guard to tell the writer; WebFlux's get the writer as a handler.
            if (!InboundGuard.carry(ch, w)) {
                connection.addHandlerLast(FrameWriter.NAME, w);
            }
        });
    }

    @Override
    public Mono<Void> close(WsCloseStatus status) {
        return NettyClose.withGrace(connection, CLOSE_GRACE, () -> {
            FrameWriter.closing(writer);
            return out.sendClose(status.code(), status.reason());
        });
    }
}
