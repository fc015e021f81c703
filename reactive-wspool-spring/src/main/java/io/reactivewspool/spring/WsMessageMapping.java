package io.reactivewspool.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a bean method as the hub's handler for an application message type.
 *
 * <p>The method may take, in any order: the {@code WsMessage}; the message's {@code data} as a
 * {@code JsonNode}; the whole {@code MessageContext}; the sender's {@code WsConnectionView}; the
 * {@code WsHub}; the {@code java.security.Principal} the connection authenticated with (or a
 * subtype such as Spring Security's {@code Authentication}; {@code null} when the connection has
 * none of that type); and at most one parameter of the application's own type, to which
 * {@code data} is bound with the application's Jackson {@code JsonMapper} (generic types such as
 * {@code List<Order>} included; {@code null} when the message has no data). Data that does not
 * fit that type is answered with an {@code error} that says which field was wrong; the connection
 * stays open.
 *
 * <p>The method may return nothing, a {@code WsMessage}, an object of the application's own, or a
 * {@code Mono}, {@code Flux}, {@code Publisher} or {@code CompletionStage} of those. A value that is
 * not a {@code WsMessage} is sent as a message of type {@link #replyType()} with the value as its
 * {@code data}. Replies carry the request's {@code id} when they have none. An exception or error
 * signal becomes an {@code error} reply. The standard protocol types (subscribe, publish, ping…)
 * cannot be mapped.
 *
 * <p>Every signature is checked at startup: a parameter the hub cannot supply stops the
 * application with an error that names the method and the parameter.
 *
 * <pre>{@code
 * record Order(String sku, int quantity) { }
 * record Accepted(String orderId) { }
 *
 * @Component
 * class Orders {
 *     @WsMessageMapping(value = "order", replyType = "order_accepted")
 *     Mono<Accepted> place(Order order, WsConnectionView sender) {
 *         return orderService.place(sender.userId(), order).map(Accepted::new);
 *     }
 * }
 * }</pre>
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface WsMessageMapping {

    /** The message type this method handles. */
    String value();

    /** The type of replies built from return values that are not a {@code WsMessage}; empty: {@link #value()}. */
    String replyType() default "";
}
