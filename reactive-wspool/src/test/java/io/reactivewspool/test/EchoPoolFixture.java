package io.reactivewspool.test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.reactivewspool.client.WsClientOptions;
import io.reactivewspool.client.WsClientPool;
import io.reactivewspool.client.WsClientPoolOptions;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A loopback {@link EchoWsServer} per test and the pools a test opens on it: the server starts
 * before each test; after it every pool made with {@link #pool} is disposed, then the server
 * closes. {@link #options()} is a pool on the server with a 5 s request timeout and a fast
 * connect backoff (50 ms, at most 200 ms).
 *
 * <pre>{@code
 * @RegisterExtension
 * final EchoPoolFixture echo = new EchoPoolFixture("it", Duration.ofSeconds(5));
 * ...
 * WsClientPool pool = echo.pool(echo.options().minConnections(4).build());
 * }</pre>
 */
public final class EchoPoolFixture implements BeforeEachCallback, AfterEachCallback {

    private static final Duration DISPOSE_TIMEOUT = Duration.ofSeconds(30);

    private final String poolName;
    private final Duration acquireTimeout;
    private final List<WsClientPool> pools = new ArrayList<>();
    private EchoWsServer server;

    /** Pools named {@code poolName} that wait at most {@code acquireTimeout} for a connection. */
    public EchoPoolFixture(String poolName, Duration acquireTimeout) {
        this.poolName = poolName;
        this.acquireTimeout = acquireTimeout;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        server = EchoWsServer.start();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        try {
            for (WsClientPool p : pools) {
                p.disposeLater().block(DISPOSE_TIMEOUT);
            }
        } finally {
            pools.clear();
            server.close();
        }
    }

    public EchoWsServer server() {
        return server;
    }

    /** The options of a pool on the server (see the class). */
    public WsClientPoolOptions.Builder options() {
        return WsClientPoolOptions.builder(WsClientOptions.builder(server.url()).requestTimeout(Duration.ofSeconds(5)).build())
                .name(poolName)
                .acquireTimeout(acquireTimeout)
                .connectBackoffFirst(Duration.ofMillis(50))
                .connectBackoffMax(Duration.ofMillis(200));
    }

    /** A pool with {@code options}, disposed after the test. */
    public WsClientPool pool(WsClientPoolOptions options) {
        WsClientPool p = WsClientPool.create(options);
        pools.add(p);
        return p;
    }
}
