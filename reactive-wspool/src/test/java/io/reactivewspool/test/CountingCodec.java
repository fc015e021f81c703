package io.reactivewspool.test;

import java.util.concurrent.atomic.AtomicInteger;

import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;

/** A {@link WsCodec} that counts encode calls (to prove encode-once) and delegates to JSON. */
public final class CountingCodec implements WsCodec {

    private final WsCodec delegate = WsCodec.json();
    private final AtomicInteger encodes = new AtomicInteger();

    @Override
    public byte[] encode(WsMessage message) {
        encodes.incrementAndGet();
        return delegate.encode(message);
    }

    @Override
    public WsMessage decode(byte[] utf8, int offset, int length) {
        return delegate.decode(utf8, offset, length);
    }

    public int encodes() {
        return encodes.get();
    }

    public void reset() {
        encodes.set(0);
    }
}
