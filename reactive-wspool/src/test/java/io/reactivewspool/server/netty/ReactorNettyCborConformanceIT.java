package io.reactivewspool.server.netty;

import io.reactivewspool.message.WsCodec;
import io.reactivewspool.test.HubConformanceSuite;
import io.reactivewspool.test.HubFixture;
import io.reactivewspool.test.ServerFactory;

/** The full protocol conformance suite in CBOR (subprotocol {@code wspool.cbor}) against the Reactor Netty {@link WsServer}. */
class ReactorNettyCborConformanceIT extends HubConformanceSuite {

    private static final WsCodec CBOR = WsCodec.cbor();

    @Override
    protected ServerFactory factory() {
        return HubFixture.factory();
    }

    @Override
    protected WsCodec clientCodec() {
        return CBOR;
    }
}
