package io.reactivewspool.internal.netty;

import java.util.Map;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPipelineException;
import io.netty.handler.codec.compression.DecompressionException;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionDecoder;

/**
 * permessage-deflate with every decoder bounded at the frame limit (Netty's {@code maxAllocation},
 * Reactor Netty's {@code maxDecompressionBufferSize}): a small frame must not cost what it
 * inflates to. How the decoder's failures read: a message that inflates past the limit (1009)
 * or one that does not inflate at all (1007), and what to do with the decoder after either.
 *
 * <pre>{@code
 * // in exceptionCaught of a handler behind the decoder
 * switch (InflateBound.failure(ctx.pipeline(), cause)) {
 *     case EXCEEDED -> tooLarge();
 *     case NOT_INFLATABLE -> ctx.writeAndFlush(InflateBound.notInflatableClose()).addListener(CLOSE);
 *     ...
 * }
 * }</pre>
 */
public final class InflateBound {

    /** The reason of the 1007 close for a message that does not inflate. */
    static final String NOT_INFLATABLE = "message is not a valid permessage-deflate stream";

    private InflateBound() {
    }

    /**
     * Whether the decoder stopped a message that inflates past its bound, rather than one that
     * does not inflate; Netty tells the two apart only by the message of its {@link DecompressionException}.
     */
    public static boolean exceeded(Throwable t) {
        return t instanceof DecompressionException d && d.getMessage() != null
                && d.getMessage().startsWith("Decompression buffer has reached maximum size");
    }

    /** What an exception that reached a handler behind the deflate decoder is. */
    public enum Failure {
        /** Not the decoder's: handle it as before. */
        NONE,
        /** The decoder's, already dealt with: a discarded decoder failing once more as it is removed. */
        HANDLED,
        /** A message that inflates past the frame limit: the hub answers 1009. */
        EXCEEDED,
        /** A message that does not inflate: answer {@link #notInflatableClose()}. */
        NOT_INFLATABLE
    }

    /**
     * Classifies {@code cause}; for the decoder's own failures, takes the extension decoders out
     * of the pipeline first. Left in, a decoder holding the rest of a stream that does not inflate
     * fails again when the channel closes and so never passes {@code channelInactive} on: the
     * handlers behind it would not learn that the connection is gone. Frames after the failure
     * arrive still deflated (RSV1 set); the caller drops them.
     */
    public static Failure failure(ChannelPipeline pipeline, Throwable cause) {
        if (cause instanceof ChannelPipelineException && cause.getCause() instanceof DecompressionException) {
            return Failure.HANDLED;
        }
        if (!(cause instanceof DecompressionException)) {
            return Failure.NONE;
        }
        for (Map.Entry<String, ChannelHandler> e : pipeline) {
            if (e.getValue() instanceof WebSocketExtensionDecoder) {
                pipeline.remove(e.getValue());
            }
        }
        return exceeded(cause) ? Failure.EXCEEDED : Failure.NOT_INFLATABLE;
    }

    /** The 1007 close frame for a message that does not inflate. */
    public static CloseWebSocketFrame notInflatableClose() {
        return new CloseWebSocketFrame(WebSocketCloseStatus.INVALID_PAYLOAD_DATA, NOT_INFLATABLE);
    }
}
