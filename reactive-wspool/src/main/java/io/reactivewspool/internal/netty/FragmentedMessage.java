package io.reactivewspool.internal.netty;

import java.util.Arrays;

import io.netty.buffer.ByteBuf;
import io.reactivewspool.server.InboundFrame;

/**
 * A message arriving in fragments, reassembled up to the frame limit: a connection holds one only
 * while such a message arrives (Netty's {@code WebSocketFrameAggregator} is a pipeline handler that
 * every connection would keep for its whole life). Netty's frame decoder refuses a continuation
 * without a message to continue and a new message before the last one ended, so both engines see
 * the fragments in order. One thread at a time: the connection's event loop.
 */
final class FragmentedMessage {

    private final InboundFrame.Kind kind;
    private byte[] bytes = new byte[0];
    private int length;

    FragmentedMessage(InboundFrame.Kind kind) {
        this.kind = kind;
    }

    /** Copies a fragment's bytes; {@code false} (nothing copied) when the message would exceed {@code maxBytes}. */
    boolean append(ByteBuf chunk, int maxBytes) {
        int n = chunk.readableBytes();
        if (n > maxBytes - length) {
            return false;
        }
        if (length + n > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.min(maxBytes, Math.max(length + n, bytes.length * 2)));
        }
        chunk.getBytes(chunk.readerIndex(), bytes, length, n);
        length += n;
        return true;
    }

    /** The whole message, once its final fragment is appended. */
    InboundFrame toFrame() {
        return new InboundFrame(kind, length == bytes.length ? bytes : Arrays.copyOf(bytes, length));
    }
}
