package io.reactivewspool.internal.netty;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * Fails a WebSocket connection with 1002 when a frame sets RSV bits that no negotiated extension
 * defines (RFC 6455, 5.2). Reactor Netty's handshaker always allows extensions, which turns off
 * the frame decoder's own check; the permessage-deflate decoder, when negotiated, clears RSV1 of
 * the frames it inflates, so past it every legitimate frame has no RSV bit left.
 */
final class ReservedBitsGuard extends ChannelInboundHandlerAdapter {

    static final String NAME = "wspool.reservedBitsGuard";

    private boolean failed;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (failed) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof WebSocketFrame f && f.rsv() != 0) {
            failed = true;
            f.release();
            ctx.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.PROTOCOL_ERROR, "reserved bits set without an extension"))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.fireChannelRead(msg);
    }
}
