package io.reactivewspool.test;

import java.util.concurrent.atomic.AtomicInteger;

import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;

/**
 * A {@link WsCodec} that counts encode calls (to prove encode-once) and delegates to another codec
 * (JSON by default), under the delegate's subprotocol and frame kind.
 */
public final class CountingCodec implements WsCodec {

    private final WsCodec delegate;
    private final AtomicInteger encodes = new AtomicInteger();

    public CountingCodec() {
        this(WsCodec.json());
    }

    public CountingCodec(WsCodec delegate) {
        this.delegate = delegate;
    }

    @Override
    public byte[] encode(WsMessage message) {
        encodes.incrementAndGet();
        return delegate.encode(message);
    }

    @Override
    public WsMessage decode(byte[] utf8, int offset, int length) {
        return delegate.decode(utf8, offset, length);
    }

    @Override
    public String subprotocol() {
        return delegate.subprotocol();
    }

    @Override
    public boolean binary() {
        return delegate.binary();
    }

    public int encodes() {
        return encodes.get();
    }

    public void reset() {
        encodes.set(0);
    }
}
