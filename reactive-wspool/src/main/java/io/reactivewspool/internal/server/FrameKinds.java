package io.reactivewspool.internal.server;

import io.reactivewspool.message.WsCodec;
import io.reactivewspool.server.InboundFrame;

/** What the hub answers a frame whose kind (text or binary) is not the one its connection's codec reads. */
final class FrameKinds {

    private FrameKinds() {
    }

    /** The reason of the {@code error} answering a {@code kind} frame on a connection speaking {@code codec}. */
    static String mismatch(InboundFrame.Kind kind, WsCodec codec) {
        String name = codec.subprotocol() == null ? codec.getClass().getSimpleName() : codec.subprotocol();
        if (kind == InboundFrame.Kind.BINARY) {
            return "binary frames are not accepted: this connection speaks " + name + " in text frames; "
                    + "ask for a binary codec's subprotocol (" + WsCodec.CBOR_SUBPROTOCOL + ", " + WsCodec.MESSAGE_PACK_SUBPROTOCOL
                    + ") in Sec-WebSocket-Protocol to send binary frames";
        }
        return "text frames are not accepted: this connection speaks " + name + " in binary frames, "
                + "as its subprotocol asked; send each message as one binary frame";
    }
}
