package io.reactivewspool.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares an extra WebSocket endpoint of the hub on a bean class, the way the seed's
 * {@code @websocket_endpoint(topics=..., require_auth=True)} did: connections to {@link #path()}
 * are subscribed to {@link #topics()} as soon as they are open, and, with {@link #requireAuth()},
 * an anonymous upgrade is refused with HTTP 401. The class's {@link WsMessageMapping} methods are
 * handlers of the hub like any other.
 *
 * <pre>{@code
 * @Component
 * @WsEndpoint(path = "/ws/notifications", topics = "notifications", requireAuth = true)
 * class Notifications {
 * }
 * }</pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface WsEndpoint {

    /** The endpoint's path. */
    String path();

    /** Topics every connection of this endpoint is subscribed to on open. */
    String[] topics() default {};

    /** Whether anonymous connections are refused (HTTP 401). */
    boolean requireAuth() default false;
}
