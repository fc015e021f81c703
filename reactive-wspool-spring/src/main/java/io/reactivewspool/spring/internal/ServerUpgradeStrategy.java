package io.reactivewspool.spring.internal;

import java.time.Duration;
import java.util.function.Supplier;

import org.eclipse.jetty.websocket.api.Configurable;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.util.ClassUtils;
import org.springframework.web.reactive.socket.HandshakeInfo;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.server.RequestUpgradeStrategy;
import org.springframework.web.reactive.socket.server.upgrade.JettyCoreRequestUpgradeStrategy;
import org.springframework.web.reactive.socket.server.upgrade.JettyRequestUpgradeStrategy;
import org.springframework.web.reactive.socket.server.upgrade.StandardWebSocketUpgradeStrategy;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * The upgrade of the server that runs the application, chosen per request from the request's native
 * type rather than from the class path (Reactor Netty is always on it, since the engine uses it, so
 * Spring's class-path detection cannot tell a Jetty or Tomcat application from a Reactor Netty one):
 * Reactor Netty's upgrade on Reactor Netty ({@link ReactorNettyUpgrade}), Jetty's own WebSocket API on Jetty (servlet or core
 * handler), and the JSR-356 container of any other servlet server (Tomcat). Each is built once, on
 * first use, with the hub's frame limit where the server allows one: a larger message is closed with 1009.
 */
public final class ServerUpgradeStrategy implements RequestUpgradeStrategy {

    private static final ClassLoader LOADER = ServerUpgradeStrategy.class.getClassLoader();
    private static final Class<?> NETTY_RESPONSE = load("reactor.netty.http.server.HttpServerResponse");
    private static final Class<?> SERVLET_REQUEST = load("jakarta.servlet.http.HttpServletRequest");
    private static final Class<?> JETTY_CORE_REQUEST = load("org.eclipse.jetty.server.Request");
    private static final boolean JETTY_SERVLET_WEBSOCKET = ClassUtils.isPresent(
            "org.eclipse.jetty.ee11.websocket.server.JettyWebSocketServerContainer", LOADER);
    private static final boolean JETTY_CORE_WEBSOCKET = ClassUtils.isPresent(
            "org.eclipse.jetty.websocket.server.ServerWebSocketContainer", LOADER);
    private static final boolean JSR356 = ClassUtils.isPresent("jakarta.websocket.server.ServerContainer", LOADER);

    private final int maxFrameBytes;
    private final boolean compression;
    private volatile RequestUpgradeStrategy reactorNetty;
    private volatile RequestUpgradeStrategy jetty;
    private volatile RequestUpgradeStrategy jettyCore;
    private volatile RequestUpgradeStrategy servlet;

    /**
     * @param maxFrameBytes the hub's largest inbound message
     * @param compression   whether Reactor Netty negotiates permessage-deflate (Jetty and Tomcat
     *                      negotiate it by their own defaults)
     */
    public ServerUpgradeStrategy(int maxFrameBytes, boolean compression) {
        this.maxFrameBytes = maxFrameBytes;
        this.compression = compression;
    }

    @Override
    public Mono<Void> upgrade(ServerWebExchange exchange, WebSocketHandler handler, String subProtocol,
                              Supplier<HandshakeInfo> handshakeInfoFactory) {
        RequestUpgradeStrategy strategy;
        try {
            strategy = strategyFor(exchange);
        } catch (IllegalStateException e) {
            return Mono.error(e);
        }
        return strategy.upgrade(exchange, handler, subProtocol, handshakeInfoFactory);
    }

    /** Which server answers this exchange, by the type of its native request and response. */
    RequestUpgradeStrategy strategyFor(ServerWebExchange exchange) {
        Object response = nativeOf(() -> ServerHttpResponseDecorator.getNativeResponse(exchange.getResponse()));
        if (isA(NETTY_RESPONSE, response)) {
            RequestUpgradeStrategy s = reactorNetty;
            return s != null ? s : (reactorNetty = new ReactorNettyUpgrade(maxFrameBytes, compression));
        }
        Object request = nativeOf(() -> ServerHttpRequestDecorator.getNativeRequest(exchange.getRequest()));
        if (isA(SERVLET_REQUEST, request)) {
            if (JETTY_SERVLET_WEBSOCKET && request.getClass().getName().startsWith("org.eclipse.jetty.")) {
                RequestUpgradeStrategy s = jetty;
                return s != null ? s : (jetty = JettyStrategies.servlet(maxFrameBytes));
            }
            if (JSR356) {
                RequestUpgradeStrategy s = servlet;
                return s != null ? s : (servlet = standard());
            }
        } else if (JETTY_CORE_WEBSOCKET && isA(JETTY_CORE_REQUEST, request)) {
            RequestUpgradeStrategy s = jettyCore;
            return s != null ? s : (jettyCore = JettyStrategies.core(maxFrameBytes));
        }
        throw new IllegalStateException("no WebSocket upgrade for the server of request type "
                + (request == null ? exchange.getRequest() : request).getClass().getName()
                + ": the hub upgrades on Reactor Netty, on Jetty (with its WebSocket"
                + " server on the class path) and on servlet servers with a JSR-356 container (Tomcat)");
    }

    private RequestUpgradeStrategy standard() {
        StandardWebSocketUpgradeStrategy s = new StandardWebSocketUpgradeStrategy();
        s.setMaxTextMessageBufferSize(maxFrameBytes);
        s.setMaxBinaryMessageBufferSize(maxFrameBytes);
        return s;
    }

    /** The server's own request or response; {@code null} when Spring's wrapper has none to give (a mock, a test server). */
    private static Object nativeOf(Supplier<Object> lookup) {
        try {
            return lookup.get();
        } catch (IllegalArgumentException | IllegalStateException e) {
            return null;
        }
    }

    private static boolean isA(Class<?> type, Object instance) {
        return type != null && type.isInstance(instance);
    }

    private static Class<?> load(String name) {
        return ClassUtils.isPresent(name, LOADER) ? ClassUtils.resolveClassName(name, LOADER) : null;
    }

    /** Loaded only when Jetty's WebSocket server is on the class path. */
    private static final class JettyStrategies {

        static RequestUpgradeStrategy servlet(int maxFrameBytes) {
            JettyRequestUpgradeStrategy s = new JettyRequestUpgradeStrategy();
            s.addWebSocketConfigurer(c -> limit(c, maxFrameBytes));
            return s;
        }

        static RequestUpgradeStrategy core(int maxFrameBytes) {
            JettyCoreRequestUpgradeStrategy s = new JettyCoreRequestUpgradeStrategy();
            s.addWebSocketConfigurer(c -> limit(c, maxFrameBytes));
            return s;
        }

        /**
         * Jetty closes a longer message with 1009 itself. Its 30 s idle timeout is lifted: the hub's
         * heartbeat decides when a silent connection is dead, as on every other server.
         */
        private static void limit(Configurable c, int maxFrameBytes) {
            c.setMaxTextMessageSize(maxFrameBytes);
            c.setMaxBinaryMessageSize(maxFrameBytes);
            c.setIdleTimeout(Duration.ZERO);
        }
    }
}
