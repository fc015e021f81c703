package io.reactivewspool.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a bean method as the hub's handler for an application message type. The method may
 * take, in any order, the {@code WsMessage}, the {@code WsConnectionView} of the sender, the
 * {@code WsHub}, the message's {@code data} as a {@code JsonNode}, or the whole
 * {@code MessageContext}; it may return a {@code Mono}/{@code Flux}/{@code Publisher} of
 * {@code WsMessage} replies, one {@code WsMessage}, or nothing. Replies carry the request's
 * {@code id} when they have none. An exception or error signal becomes an {@code error} reply; the
 * connection stays open. The standard protocol types (subscribe, publish, ping…) cannot be mapped.
 *
 * <pre>{@code
 * @Component
 * class ChatHandlers {
 *     @WsMessageMapping("chat")
 *     Mono<Void> chat(WsMessage message, WsConnectionView sender, WsHub hub) {
 *         hub.broadcast(message.topic(), "chat", Map.of("from", sender.userId(), "text", message.data().path("text").asText()));
 *         return Mono.empty();
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
}
