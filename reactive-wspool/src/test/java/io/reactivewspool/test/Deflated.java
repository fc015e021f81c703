package io.reactivewspool.test;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.zip.Deflater;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;

/**
 * permessage-deflate payloads made by hand, for a peer that sends what its own encoder would not:
 * a frame with RSV1 set passes a negotiated deflate encoder untouched.
 *
 * <pre>{@code
 * client.sendFrame(Deflated.frame(Deflated.of(48 << 20)));   // 48 KB on the wire, 48 MiB inflated
 * }</pre>
 */
public final class Deflated {

    private Deflated() {
    }

    /** {@code n} bytes of 'a' deflated as one message (RFC 7692, 7.2.1: the tail 00 00 ff ff removed). */
    public static byte[] of(int n) {
        Deflater d = new Deflater(Deflater.BEST_COMPRESSION, true);
        byte[] chunk = new byte[64 * 1024];
        Arrays.fill(chunk, (byte) 'a');
        byte[] buf = new byte[64 * 1024];
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int left = n; left > 0; left -= chunk.length) {
            d.setInput(chunk, 0, Math.min(chunk.length, left));
            while (!d.needsInput()) {
                out.write(buf, 0, d.deflate(buf));
            }
        }
        int k;
        while ((k = d.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH)) > 0) {
            out.write(buf, 0, k);
        }
        d.end();
        byte[] all = out.toByteArray();
        return Arrays.copyOf(all, all.length - 4);
    }

    /** A final text frame with RSV1 (compressed) carrying {@code payload} as it is. */
    public static TextWebSocketFrame frame(byte[] payload) {
        return new TextWebSocketFrame(true, 4, Unpooled.wrappedBuffer(payload));
    }
}
