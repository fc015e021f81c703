package io.reactivewspool.client;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;

import io.reactivewspool.WsClosedException;
import io.reactivewspool.WsConnectException;
import io.reactivewspool.WsException;
import io.reactivewspool.WsPoolException;
import io.reactivewspool.WsRequestTimeoutException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The client API names no implementation type, and Reactor Netty only through the customizer hook. */
class ClientApiBoundaryTest {

    private static final List<Class<?>> API = List.of(WsClient.class, WsClientOptions.class, WsClientOptions.Builder.class,
            WsConnection.class, WsClientPool.class, WsClientPoolOptions.class, WsClientPoolOptions.Builder.class,
            PooledWsConnection.class, WsClientPoolMetrics.class, WsConnectHook.class, WsAcquireHook.class, WsReleaseHook.class,
            ReuseOrder.class);

    @Test
    void publicSignaturesNameNoInternalTypeAndNettyOnlyInTheCustomizer() {
        List<String> offenders = new ArrayList<>();
        for (Class<?> c : API) {
            for (Method m : c.getDeclaredMethods()) {
                if (!Modifier.isPublic(m.getModifiers())) {
                    continue;
                }
                List<Type> types = new ArrayList<>(List.of(m.getGenericParameterTypes()));
                types.add(m.getGenericReturnType());
                for (Type t : types) {
                    String name = t.getTypeName();
                    boolean netty = name.contains("reactor.netty") || name.contains("io.netty");
                    if (name.contains(".internal.") || (netty && !m.getName().toLowerCase().contains("httpclientcustomizer"))) {
                        offenders.add(c.getSimpleName() + "." + m.getName() + " uses " + name);
                    }
                }
            }
        }
        assertThat(offenders).isEmpty();
    }

    @Test
    void runtimeErrorsShareTheLibraryRoot() {
        assertThat(List.of(WsConnectException.class, WsClosedException.class, WsRequestTimeoutException.class, WsPoolException.class))
                .allSatisfy(c -> assertThat(WsException.class).isAssignableFrom(c));
    }
}
