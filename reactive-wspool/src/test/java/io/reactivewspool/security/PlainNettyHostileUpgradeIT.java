package io.reactivewspool.security;

import io.reactivewspool.server.netty.WsServerOptions;

/** The hostile upgrades against the plain-Netty engine: its router must refuse exactly what Reactor Netty's does. */
class PlainNettyHostileUpgradeIT extends HostileUpgradeIT {

    @Override
    WsServerOptions.Engine engine() {
        return WsServerOptions.Engine.NETTY;
    }
}
