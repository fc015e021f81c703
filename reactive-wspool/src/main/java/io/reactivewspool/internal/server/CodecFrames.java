package io.reactivewspool.internal.server;

import java.util.Arrays;

import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.OutboundFrame;

/**
 * One hub message as frames, encoded at most once per codec: the frame of the hub's codec is made
 * up front (its bytes also go to the broker), the frame of any other codec the first time a
 * recipient of that codec needs it, and then shared by every recipient of that codec. A message
 * that came from another node as bytes only is decoded once, the first time another codec needs it.
 */
class CodecFrames {

    private final WsCodec primary;
    private final OutboundFrame primaryFrame;
    private volatile WsMessage message;
    // The frames of other codecs, by codec identity; a hub offers few codecs, so a short array.
    private WsCodec[] codecs;
    private OutboundFrame[] frames;

    /** @param message the message, or {@code null} when only its bytes ({@code frame}) are known */
    CodecFrames(WsCodec primary, OutboundFrame frame, WsMessage message) {
        this.primary = primary;
        this.primaryFrame = frame;
        this.message = message;
    }

    /** A frame of {@code codec} around {@code payload}: binary or text as the codec says. */
    static OutboundFrame frame(WsCodec codec, byte[] payload) {
        return codec.binary() ? OutboundFrame.binary(payload) : OutboundFrame.text(payload);
    }

    /** The frame of the hub's codec. */
    final OutboundFrame frame() {
        return primaryFrame;
    }

    /** The frame for a recipient speaking {@code codec}. */
    final OutboundFrame frameFor(WsCodec codec) {
        return codec == primary ? primaryFrame : other(codec);
    }

    // Locked, not raced: encoding twice would break the promise of one encoding per codec, and
    // the lock is contended only when one multi-topic broadcast is delivered on two threads at once.
    private synchronized OutboundFrame other(WsCodec codec) {
        WsCodec[] cs = codecs;
        if (cs == null) {
            codecs = cs = new WsCodec[2];
            frames = new OutboundFrame[2];
        }
        int i = 0;
        for (; i < cs.length && cs[i] != null; i++) {
            if (cs[i] == codec) {
                return frames[i];
            }
        }
        if (i == cs.length) {
            codecs = cs = Arrays.copyOf(cs, cs.length * 2);
            frames = Arrays.copyOf(frames, cs.length);
        }
        OutboundFrame f = frame(codec, codec.encode(message()));
        cs[i] = codec;
        frames[i] = f;
        return f;
    }

    /** The message, decoded from the hub codec's bytes the first time it is needed. */
    final WsMessage message() {
        WsMessage m = message;
        if (m == null) {
            m = primary.decode(primaryFrame.payload());
            message = m;
        }
        return m;
    }
}
