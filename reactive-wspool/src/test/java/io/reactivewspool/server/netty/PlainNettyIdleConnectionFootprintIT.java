package io.reactivewspool.server.netty;

/** {@link IdleConnectionFootprintIT} against the plain-Netty engine. */
class PlainNettyIdleConnectionFootprintIT extends IdleConnectionFootprintIT {

    @Override
    WsServerOptions.Engine engine() {
        return WsServerOptions.Engine.NETTY;
    }
}
