/**
 * The wire message model: the {@link io.reactivewspool.message.WsMessage} envelope, the
 * {@link io.reactivewspool.message.WsCodec} SPI with its JSON implementation, topic-name rules
 * and close codes. Shared by the client and the server.
 */
package io.reactivewspool.message;
