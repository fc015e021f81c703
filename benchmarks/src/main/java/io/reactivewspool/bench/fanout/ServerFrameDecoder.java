package io.reactivewspool.bench.fanout;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import java.util.List;

/**
 * The load generator's decoder of server-to-client WebSocket frames, installed in place of Netty's
 * {@code WebSocket08FrameDecoder} once the handshake is done. It hands each complete text frame's payload
 * to a {@link Sink} as a byte range of the cumulation buffer, without allocating a frame object per
 * delivery, which is most of what a subscriber costs. Pings are answered with pongs, a close frame closes
 * the connection; fragmented, masked or binary frames are counted and skipped (none of the servers
 * measured sends them for the messages the load generator uses).
 */
final class ServerFrameDecoder extends ByteToMessageDecoder {

    /** Receives the payload of each complete text frame; must not move the buffer's indexes. */
    interface Sink {
        void onText(ByteBuf buf, int start, int end);

        void onUnexpectedFrame();
    }

    private static final int OPCODE_TEXT = 0x1;
    private static final int OPCODE_CLOSE = 0x8;
    private static final int OPCODE_PING = 0x9;

    private final Sink sink;
    private final int maxPayload;

    ServerFrameDecoder(Sink sink, int maxPayload) {
        this.sink = sink;
        this.maxPayload = maxPayload;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.readableBytes() >= 2) {
            int r = in.readerIndex();
            int b0 = in.getUnsignedByte(r);
            int b1 = in.getUnsignedByte(r + 1);
            boolean masked = (b1 & 0x80) != 0;
            long length = b1 & 0x7F;
            int header = 2;
            if (length == 126) {
                if (in.readableBytes() < 4) {
                    return;
                }
                length = in.getUnsignedShort(r + 2);
                header = 4;
            } else if (length == 127) {
                if (in.readableBytes() < 10) {
                    return;
                }
                length = in.getLong(r + 2);
                header = 10;
            }
            if (masked || length < 0 || length > maxPayload) {
                // A server must not mask, and nothing here is that large: the stream cannot be trusted.
                sink.onUnexpectedFrame();
                in.skipBytes(in.readableBytes());
                ctx.close();
                return;
            }
            if (in.readableBytes() < header + length) {
                return;
            }
            int start = r + header;
            int end = start + (int) length;
            boolean fin = (b0 & 0x80) != 0;
            int opcode = b0 & 0x0F;
            if (opcode == OPCODE_TEXT && fin) {
                sink.onText(in, start, end);
            } else if (opcode == OPCODE_PING) {
                ctx.channel().writeAndFlush(new PongWebSocketFrame(in.retainedSlice(start, (int) length)));
            } else if (opcode == OPCODE_CLOSE) {
                in.skipBytes(in.readableBytes());
                ctx.close();
                return;
            } else if (opcode != 0xA) { // a pong needs nothing
                sink.onUnexpectedFrame();
            }
            in.readerIndex(end);
        }
    }
}
