package io.reactivewspool.internal.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import reactor.netty.NettyPipeline;

/**
 * Sits just before Reactor Netty's bridge on every server channel until {@link ReactorNettyTakeover}
 * puts the connection's transport, which keeps the same rules, in its place (and for the whole life of a
 * connection that stays with Reactor Netty), and fails a WebSocket connection that breaks RFC 6455 in
 * ways Reactor Netty lets through:
 * <ul>
 * <li>a frame with RSV bits that no negotiated extension defines (5.2): 1002. Reactor Netty's
 * handshaker always allows extensions, which turns off the frame decoder's own check; the
 * permessage-deflate decoder, when negotiated, clears RSV1 of the frames it inflates.</li>
 * <li>bytes the client sent behind its upgrade request, before the handshake response (4.1
 * forbids that): the HTTP decoder hands them on as a raw buffer when the handshake removes it,
 * and nothing downstream would release it. Released, and the connection closed.</li>
 * <li>a permessage-deflate message that does not inflate (RFC 7692, 8): 1007. One that inflates
 * past the frame limit, where Reactor Netty's decoder stops, goes on to the hub, which answers 1009.</li>
 * </ul>
 */
public final class InboundGuard extends ChannelInboundHandlerAdapter {

    static final String NAME = "wspool.inboundGuard";

    private boolean failed;
    private boolean inflateFailed;
    /** The connection's frame writer, told of writability changes; {@code null} until sending starts. */
    private volatile FrameWriter writer;

    private InboundGuard() {
    }

    /** Installs the guard on a new server channel (from {@code HttpServer.doOnChannelInit}). */
    public static void install(Channel channel) {
        channel.pipeline().addBefore(NettyPipeline.ReactiveBridge, NAME, new InboundGuard());
    }

    /**
     * Tells {@code writer} of the channel's writability changes from the guard's place in the
     * pipeline; {@code false} when the channel has no guard (a server that is not the engine's).
     */
    static boolean carry(Channel channel, FrameWriter writer) {
        InboundGuard guard = channel.pipeline().get(InboundGuard.class);
        if (guard == null) {
            return false;
        }
        guard.writer = writer;
        return true;
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        FrameWriter.writabilityChanged(writer, ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (failed) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof WebSocketFrame f && f.rsv() != 0) {
            if (inflateFailed) {
                // Still deflated, behind a message the hub is already closing the connection for.
                f.release();
                return;
            }
            failed = true;
            f.release();
            FrameWriter.closing(writer);
            ctx.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.PROTOCOL_ERROR, "reserved bits set without an extension"))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (msg instanceof ByteBuf raw) {
            failed = true;
            raw.release();
            ctx.close();
            return;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    @SuppressWarnings("deprecation") // deprecated on ChannelHandler only, where outbound handlers inherit it
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        switch (InflateBound.failure(ctx.pipeline(), cause)) {
            case NONE -> ctx.fireExceptionCaught(cause);
            case HANDLED -> { }
            case EXCEEDED -> {
                // Reactor Netty fails the hub's receive with it; the hub answers 1009.
                inflateFailed = true;
                ctx.fireExceptionCaught(cause);
            }
            case NOT_INFLATABLE -> {
                if (!failed) {
                    failed = true;
                    FrameWriter.closing(writer);
                    ctx.writeAndFlush(InflateBound.notInflatableClose()).addListener(ChannelFutureListener.CLOSE);
                }
            }
        }
    }
}
