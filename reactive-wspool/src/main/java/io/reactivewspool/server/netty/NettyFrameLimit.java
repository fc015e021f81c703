package io.reactivewspool.server.netty;

import io.netty.handler.codec.TooLongFrameException;
import io.reactivewspool.internal.netty.InflateBound;
import io.reactivewspool.server.WsFrameTooLargeException;
import io.reactivewspool.server.WsTransport;

/**
 * Recognises Netty's ways of saying "this client's message is over the frame limit", for a
 * {@link WsTransport} on Netty that must turn them into {@link WsFrameTooLargeException} (the hub
 * answers that with 1009). Netty reports a message that is too long in one of two ways: the frame
 * decoder or aggregator throws {@link TooLongFrameException}, and a permessage-deflate decoder
 * bounded at the frame limit throws a {@code DecompressionException} that it tells apart from a
 * stream that does not inflate only by its message. The Spring module's transport over WebFlux
 * is such a transport.
 *
 * <pre>{@code
 * Flux<InboundFrame> frames = inbound
 *         .onErrorMap(NettyFrameLimit::exceededBy,
 *                 e -> new WsFrameTooLargeException("message larger than the maximum frame size", e));
 * }</pre>
 *
 * Stateless and thread-safe.
 */
public final class NettyFrameLimit {

    private NettyFrameLimit() {
    }

    /**
     * Whether {@code error} or any of its causes is Netty's report of a message over the frame
     * limit: a {@link TooLongFrameException}, or the bounded deflate decoder stopping a message
     * that inflates past the limit. {@code false} for a deflate stream that does not inflate at
     * all (that is a 1007, not a 1009) and for every other failure.
     */
    public static boolean exceededBy(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof TooLongFrameException || InflateBound.exceeded(t)) {
                return true;
            }
        }
        return false;
    }
}
