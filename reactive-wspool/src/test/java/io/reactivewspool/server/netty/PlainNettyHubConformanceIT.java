package io.reactivewspool.server.netty;

import io.reactivewspool.test.HubConformanceSuite;
import io.reactivewspool.test.HubFixture;
import io.reactivewspool.test.ServerFactory;

/** The protocol conformance suite against the {@link WsServer} on plain Netty ({@link WsServerOptions.Engine#NETTY}). */
class PlainNettyHubConformanceIT extends HubConformanceSuite {

    @Override
    protected ServerFactory factory() {
        return HubFixture.factory(WsServerOptions.Engine.NETTY);
    }
}
