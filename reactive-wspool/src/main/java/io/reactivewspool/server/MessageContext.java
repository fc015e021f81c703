package io.reactivewspool.server;

import io.reactivewspool.message.WsMessage;

/**
 * What a {@link MessageHandler} gets for one message.
 *
 * @param message    the decoded client message
 * @param connection the connection it came from
 * @param hub        the hub, to broadcast or send
 */
public record MessageContext(WsMessage message, WsConnectionView connection, WsHub hub) {
}
