package io.reactivewspool.server.netty;

/** {@link WsServerIT} against the plain-Netty engine. */
class PlainNettyWsServerIT extends WsServerIT {

    @Override
    WsServerOptions.Engine engine() {
        return WsServerOptions.Engine.NETTY;
    }
}
