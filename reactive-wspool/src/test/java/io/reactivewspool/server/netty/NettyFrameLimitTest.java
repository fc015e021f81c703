package io.reactivewspool.server.netty;

import java.io.IOException;
import java.util.Arrays;
import java.util.zip.Deflater;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.compression.ZlibCodecFactory;
import io.netty.handler.codec.compression.ZlibWrapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** What a Netty-based transport outside the core (the Spring module's) counts as a frame over the limit. */
class NettyFrameLimitTest {

    @Test
    void aTooLongFrameIsOverTheLimitAlsoWhenWrapped() {
        TooLongFrameException tooLong = new TooLongFrameException("frame length exceeds 65536");

        assertThat(NettyFrameLimit.exceededBy(tooLong)).isTrue();
        assertThat(NettyFrameLimit.exceededBy(new DecoderException(new IOException("read", tooLong)))).isTrue();
    }

    @Test
    void aMessageThatInflatesPastTheDecodersBoundIsOverTheLimit() {
        Throwable failure = inflate(deflated(new byte[64 * 1024]), 1024);

        assertThat(failure).as("Netty's bounded decoder must fail").isNotNull();
        assertThat(NettyFrameLimit.exceededBy(failure)).isTrue();
    }

    @Test
    void aStreamThatDoesNotInflateOrAnyOtherFailureIsNot() {
        Throwable failure = inflate(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff}, 1024);

        assertThat(failure).as("Netty's decoder must reject a stream that is not deflate").isNotNull();
        assertThat(NettyFrameLimit.exceededBy(failure)).isFalse();
        assertThat(NettyFrameLimit.exceededBy(new IOException("connection reset"))).isFalse();
        assertThat(NettyFrameLimit.exceededBy(null)).isFalse();
    }

    /** Runs {@code bytes} through Netty's raw-deflate decoder bounded at {@code maxAllocation}; its failure or null. */
    private static Throwable inflate(byte[] bytes, int maxAllocation) {
        EmbeddedChannel channel = new EmbeddedChannel(ZlibCodecFactory.newZlibDecoder(ZlibWrapper.NONE, maxAllocation));
        Throwable failure = catchThrowable(() -> channel.writeInbound(Unpooled.wrappedBuffer(bytes)));
        Throwable atEnd = catchThrowable(channel::finishAndReleaseAll);
        return failure != null ? failure : atEnd;
    }

    private static byte[] deflated(byte[] plain) {
        Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        deflater.setInput(plain);
        deflater.finish();
        byte[] out = new byte[plain.length + 64];
        int n = deflater.deflate(out, 0, out.length, Deflater.SYNC_FLUSH);
        deflater.end();
        return Arrays.copyOf(out, n);
    }
}
