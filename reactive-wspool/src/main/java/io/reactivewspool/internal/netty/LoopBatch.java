package io.reactivewspool.internal.netty;

import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import io.reactivewspool.server.OutboundFrame;

/**
 * The write batch of one event loop, touched only by that loop's thread.
 *
 * <p>A broadcast reaches many channels of the same loop one after another, so the loop keeps the
 * last frame it pre-framed (RFC 6455 header and payload in one direct buffer) and hands every
 * channel a retained duplicate of it: the frame is framed and copied once per loop, not once per
 * recipient, and Netty's frame encoder is bypassed. Channels written to are flushed once, by one
 * task that runs after the loop has processed its current batch of reads; the same task releases
 * the cached frame.
 */
final class LoopBatch implements Runnable {

    private static final FastThreadLocal<LoopBatch> CURRENT = new FastThreadLocal<>();

    private final EventLoop loop;
    private List<FrameWriter> toFlush = new ArrayList<>();
    private List<FrameWriter> flushing = new ArrayList<>();
    private boolean scheduled;
    private OutboundFrame cachedFrame;
    private ByteBuf cachedBuf;

    private LoopBatch(EventLoop loop) {
        this.loop = loop;
    }

    /** The batch of the calling thread, which must be {@code loop}. */
    static LoopBatch of(EventLoop loop) {
        LoopBatch b = CURRENT.get();
        if (b == null || b.loop != loop) {
            b = new LoopBatch(loop);
            CURRENT.set(b);
        }
        return b;
    }

    /** The frame on the wire, as a buffer the caller owns (a retained duplicate of the cached one). */
    ByteBuf framed(OutboundFrame f, ByteBufAllocator alloc) {
        if (f != cachedFrame) {
            releaseCached();
            cachedBuf = preFrame(f, alloc);
            cachedFrame = f;
            schedule();
        }
        return cachedBuf.retainedDuplicate();
    }

    /** Flushes the writer's channel with the batch. */
    void flushLater(FrameWriter w) {
        toFlush.add(w);
        schedule();
    }

    private void schedule() {
        if (!scheduled) {
            scheduled = true;
            loop.execute(this);
        }
    }

    @Override
    public void run() {
        scheduled = false;
        releaseCached();
        // A flush can fire writability events that write again: those join the next batch.
        List<FrameWriter> batch = toFlush;
        toFlush = flushing;
        flushing = batch;
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).flush();
        }
        batch.clear();
    }

    private void releaseCached() {
        if (cachedBuf != null) {
            cachedBuf.release();
            cachedBuf = null;
            cachedFrame = null;
        }
    }

    /** One unmasked, unfragmented server frame: FIN, opcode, length, payload. */
    static ByteBuf preFrame(OutboundFrame f, ByteBufAllocator alloc) {
        byte[] payload = f.payload();
        int n = payload.length;
        int header = n <= 125 ? 2 : n <= 65_535 ? 4 : 10;
        ByteBuf buf = alloc.directBuffer(header + n);
        buf.writeByte(0x80 | opcode(f.kind()));
        if (n <= 125) {
            buf.writeByte(n);
        } else if (n <= 65_535) {
            buf.writeByte(126);
            buf.writeShort(n);
        } else {
            buf.writeByte(127);
            buf.writeLong(n);
        }
        return buf.writeBytes(payload);
    }

    private static int opcode(OutboundFrame.Kind kind) {
        return switch (kind) {
            case TEXT -> 0x1;
            case BINARY -> 0x2;
            case PING -> 0x9;
            case PONG -> 0xA;
        };
    }
}
