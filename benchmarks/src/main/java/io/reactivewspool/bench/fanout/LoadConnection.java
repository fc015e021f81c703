package io.reactivewspool.bench.fanout;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

/** What subscribers and publishers share: handshake, failure before readiness, close. */
abstract class LoadConnection extends SimpleChannelInboundHandler<WebSocketFrame> {

    final LoadGenerator generator;
    Channel channel;
    private boolean settled;

    LoadConnection(LoadGenerator generator) {
        this.generator = generator;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
            handshakeComplete(ctx);
        } else if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
            failed("handshake timed out");
        }
        super.userEventTriggered(ctx, evt);
    }

    abstract void handshakeComplete(ChannelHandlerContext ctx);

    abstract void onReady(boolean success);

    /** Called at most once per connection, when it is ready or cannot become so. */
    final void settle(boolean success, String error) {
        if (settled) {
            return;
        }
        settled = true;
        if (!success && generator.firstError == null) {
            generator.firstError = error;
        }
        onReady(success);
    }

    void failed(String error) {
        if (channel == null || channel.eventLoop().inEventLoop()) {
            settle(false, error);
        } else {
            channel.eventLoop().execute(() -> settle(false, error));
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (!settled) {
            settle(false, "connection closed before it was ready");
        } else {
            closedAfterReady();
        }
        super.channelInactive(ctx);
    }

    void closedAfterReady() {
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (generator.firstError == null) {
            generator.firstError = cause.toString();
        }
        ctx.close();
    }
}
