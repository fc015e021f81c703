package io.reactivewspool.spring.internal;

import java.lang.reflect.Method;

import org.eclipse.jetty.websocket.api.Session;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;
import org.springframework.web.reactive.socket.WebSocketSession;
import org.springframework.web.reactive.socket.adapter.AbstractWebSocketSession;

/**
 * Ends the connection under a WebFlux session at once, without a close handshake, where the server
 * offers that: the last step of a close whose close frame waits behind data a client stopped reading.
 * Jetty does ({@code Session.disconnect()}); WebFlux's session API does not.
 */
final class AbruptClose {

    private static final boolean JETTY = ClassUtils.isPresent("org.eclipse.jetty.websocket.api.Session",
            AbruptClose.class.getClassLoader());
    private static final Method GET_DELEGATE = delegateAccessor();

    private AbruptClose() {
    }

    /** How to end {@code session}'s connection abruptly, or {@code null} when its server offers no way. */
    static Runnable of(WebSocketSession session) {
        Object delegate = delegate(session);
        return JETTY ? JettySessions.abort(delegate) : null;
    }

    private static Object delegate(WebSocketSession session) {
        if (GET_DELEGATE == null || !(session instanceof AbstractWebSocketSession<?>)) {
            return null;
        }
        try {
            return GET_DELEGATE.invoke(session);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    private static Method delegateAccessor() {
        // Spring keeps the server's session behind a protected accessor.
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
