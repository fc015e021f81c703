package io.reactivewspool.test;

import java.time.Duration;

import io.reactivewspool.server.AdminAuthenticator;
import io.reactivewspool.server.AdminHttpApi;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.server.netty.WsServer;
import io.reactivewspool.server.netty.WsServerOptions;

/** A hub behind a {@link WsServer} on 127.0.0.1, port 0, on either engine ({@link #DEFAULT_ENGINE} unless told). */
public final class HubFixture implements ServerUnderTest {

    private final WsServer server;

    private HubFixture(WsServer server) {
        this.server = server;
    }

    public static HubFixture start(WsHubOptions options) {
        return start(options, (String) null);
    }

    /**
     * The engine of the fixtures that do not name one: {@code REACTOR_NETTY}, or the system
     * property {@code wspool.test.engine} ({@code -Dwspool.test.engine=NETTY} runs those tests on
     * the plain engine).
     */
    public static final WsServerOptions.Engine DEFAULT_ENGINE =
            WsServerOptions.Engine.valueOf(System.getProperty("wspool.test.engine", "REACTOR_NETTY"));

    public static HubFixture start(WsHubOptions options, String adminToken) {
        return start(options, adminToken, DEFAULT_ENGINE);
    }

    public static HubFixture start(WsHubOptions options, String adminToken, WsServerOptions.Engine engine) {
        return start(options, serverOptions(engine)
                .adminAuthenticator(adminToken == null ? null : AdminAuthenticator.bearer(adminToken))
                .build());
    }

    /** Server options on 127.0.0.1, port 0, with the engine. */
    public static WsServerOptions.Builder serverOptions(WsServerOptions.Engine engine) {
        return WsServerOptions.builder().host("127.0.0.1").port(0).engine(engine);
    }

    public static HubFixture start(WsHubOptions options, WsServerOptions serverOptions) {
        WsHub hub = WsHub.create(options);
        return new HubFixture(WsServer.create(hub, serverOptions).bindNow());
    }

    /** The factory the conformance suite uses for this transport. */
    public static ServerFactory factory() {
        return HubFixture::start;
    }

    /** The factory the conformance suite uses for a server on {@code engine}. */
    public static ServerFactory factory(WsServerOptions.Engine engine) {
        return (options, adminToken) -> start(options, adminToken, engine);
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
        return "http://127.0.0.1:" + server.port() + AdminHttpApi.BASE_PATH;
    }

    @Override
    public WsHub hub() {
        return server.hub();
    }

    public ReactorNettyTestClient client() {
        return ReactorNettyTestClient.connect(wsUrl());
    }

    @Override
    public void close() {
        server.close().block(Duration.ofSeconds(30));
    }
}
