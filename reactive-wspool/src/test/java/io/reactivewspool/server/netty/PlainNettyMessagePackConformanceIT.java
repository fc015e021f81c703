package io.reactivewspool.server.netty;

import io.reactivewspool.message.WsCodec;
import io.reactivewspool.test.HubConformanceSuite;
import io.reactivewspool.test.HubFixture;
import io.reactivewspool.test.ServerFactory;

/**
 * The full protocol conformance suite in MessagePack (subprotocol {@code wspool.msgpack}) against the
 * {@link WsServer} on plain Netty ({@link WsServerOptions.Engine#NETTY}).
 */
class PlainNettyMessagePackConformanceIT extends HubConformanceSuite {

    private static final WsCodec MESSAGE_PACK = WsCodec.messagePack();

    @Override
    protected ServerFactory factory() {
        return HubFixture.factory(WsServerOptions.Engine.NETTY);
    }

    @Override
    protected WsCodec clientCodec() {
        return MESSAGE_PACK;
    }
}
