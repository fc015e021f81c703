package io.reactivewspool.test;

import java.time.Duration;

import io.reactivewspool.server.WsHub;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.server.netty.WsServer;
import io.reactivewspool.server.netty.WsServerOptions;

/** A hub behind a Reactor Netty {@link WsServer} on 127.0.0.1, port 0. */
public final class HubFixture implements ServerUnderTest {

    private final WsServer server;

    private HubFixture(WsServer server) {
        this.server = server;
    }

    public static HubFixture start(WsHubOptions options) {
        return start(options, (String) null);
    }

    public static HubFixture start(WsHubOptions options, String adminToken) {
        return start(options, WsServerOptions.builder().host("127.0.0.1").port(0)
                .adminAuthenticator(adminToken == null ? null : io.reactivewspool.server.AdminAuthenticator.bearer(adminToken))
                .build());
    }

    public static HubFixture start(WsHubOptions options, WsServerOptions serverOptions) {
        WsHub hub = WsHub.create(options);
        return new HubFixture(WsServer.create(hub, serverOptions).bindNow());
    }

    /** The factory the conformance suite uses for this transport. */
    public static ServerFactory factory() {
        return HubFixture::start;
    }

    public WsServer server() {
        return server;
    }

    @Override
    public String wsUrl() {
        return "ws://127.0.0.1:" + server.port() + server.options().path();
    }

    @Override
    public String adminUrl() {
        return "http://127.0.0.1:" + server.port() + WsServerOptions.ADMIN_PATH;
    }

    @Override
    public WsHub hub() {
        return server.hub();
    }

    public RawWsClient client() {
        return RawWsClient.connect(wsUrl());
    }

    @Override
    public void close() {
        server.close().block(Duration.ofSeconds(30));
    }
}
