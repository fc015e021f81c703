package io.reactivewspool.spring.internal;

import java.lang.reflect.Method;

import org.eclipse.jetty.websocket.api.Session;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;
import org.springframework.web.reactive.socket.WebSocketSession;
import org.springframework.web.reactive.socket.adapter.AbstractWebSocketSession;

/**
 * The server's own session under a WebFlux {@link WebSocketSession}, which Spring keeps behind a
 * protected accessor: Reactor Netty's connection, for the engine's transport; Jetty's session, to end
 * a connection whose close frame waits behind data the client stopped reading (WebFlux's session API
 * has no such abrupt close).
 */
final class NativeSession {

    private static final boolean JETTY = ClassUtils.isPresent("org.eclipse.jetty.websocket.api.Session",
            NativeSession.class.getClassLoader());
    private static final Method GET_DELEGATE = delegateAccessor();

    private NativeSession() {
    }

    /** The server's session under {@code session}, or {@code null} (another Spring version or adapter). */
    static Object of(WebSocketSession session) {
        if (GET_DELEGATE == null || !(session instanceof AbstractWebSocketSession<?>)) {
            return null;
        }
        try {
            return GET_DELEGATE.invoke(session);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** Ends {@code session}'s connection at once, without a close handshake; {@code null} when its server offers no way. */
    static Runnable abort(WebSocketSession session) {
        return JETTY ? JettySessions.abort(of(session)) : null;
    }

    private static Method delegateAccessor() {
        Method m = ReflectionUtils.findMethod(AbstractWebSocketSession.class, "getDelegate");
        if (m != null) {
            ReflectionUtils.makeAccessible(m);
        }
        return m;
    }

    /** Loaded only when Jetty's WebSocket API is on the class path. */
    private static final class JettySessions {

        static Runnable abort(Object delegate) {
            return delegate instanceof Session jetty ? jetty::disconnect : null;
        }
    }
}
