package io.reactivewspool.server;

import io.reactivewspool.message.WsMessage;
import org.reactivestreams.Publisher;

/**
 * Handles client messages of one application type (any type other than {@code subscribe},
 * {@code unsubscribe}, {@code publish} and {@code ping}). Every message the returned publisher
 * emits is sent back to the connection as a reply carrying the request's {@code id} (unless the
 * reply sets its own); an error answers {@code error}. Through the context the handler can also
 * broadcast or send anywhere with {@link MessageContext#hub()}.
 *
 * <p>Runs on the connection's I/O thread: must not block (use {@code subscribeOn} for blocking
 * work).
 *
 * <pre>{@code
 * MessageHandler echo = ctx -> Mono.just(WsMessage.of("echo", null, ctx.message().data()));
 * MessageHandler chat = ctx -> {
 *     ctx.hub().broadcast(ctx.message().topic(), "chat", ctx.message().data());
 *     return Mono.empty();
 * };
 * }</pre>
 */
@FunctionalInterface
public interface MessageHandler {

    /** Handles one message; the publisher's elements are replies. */
    Publisher<WsMessage> handle(MessageContext context);
}
