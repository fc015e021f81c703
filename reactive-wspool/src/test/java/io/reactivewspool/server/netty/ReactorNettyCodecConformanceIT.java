package io.reactivewspool.server.netty;

import io.reactivewspool.test.CodecConformanceSuite;
import io.reactivewspool.test.HubFixture;
import io.reactivewspool.test.ServerFactory;

/** The codec conformance rows (CBOR, MessagePack, negotiation) against the {@link WsServer} on {@link WsServerOptions.Engine#REACTOR_NETTY}. */
class ReactorNettyCodecConformanceIT extends CodecConformanceSuite {

    @Override
    protected ServerFactory factory() {
        return HubFixture.factory(WsServerOptions.Engine.REACTOR_NETTY);
    }
}
