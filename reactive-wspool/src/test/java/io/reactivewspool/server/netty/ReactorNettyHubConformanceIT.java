package io.reactivewspool.server.netty;

import io.reactivewspool.test.HubConformanceSuite;
import io.reactivewspool.test.HubFixture;
import io.reactivewspool.test.ServerFactory;

/** The protocol conformance suite against the Reactor Netty {@link WsServer}. */
class ReactorNettyHubConformanceIT extends HubConformanceSuite {

    @Override
    protected ServerFactory factory() {
        return HubFixture.factory();
    }
}
