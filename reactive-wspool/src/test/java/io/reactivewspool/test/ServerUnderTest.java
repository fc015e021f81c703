package io.reactivewspool.test;

import io.reactivewspool.server.WsHub;

/**
 * A running server that speaks the hub protocol, for {@link HubConformanceSuite}: the Reactor
 * Netty {@code WsServer} here, a Spring WebFlux app later.
 */
public interface ServerUnderTest extends AutoCloseable {

    /** The WebSocket URL, for example {@code ws://127.0.0.1:PORT/ws}. */
    String wsUrl();

    /** The HTTP base URL of the admin API, for example {@code http://127.0.0.1:PORT/api/admin/websockets}. */
    String adminUrl();

    /** The hub behind it. */
    WsHub hub();

    /** Stops it (gracefully) and waits. */
    @Override
    void close();

    /**
     * Ends one test's use of it, after the test has closed its clients: this stops it, unless the
     * server is shared between tests and resets instead (a Spring application keeps running and
     * gets a fresh hub for the next test, see the Spring module's {@code SharedSpringServers}).
     */
    default void release() {
        close();
    }
}
