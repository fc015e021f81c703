/**
 * Implementation of the protocol's codecs: JSON ({@code WsCodec.json()}) and CBOR
 * ({@code WsCodec.cbor()}) on one Jackson 3 envelope reader with its input limits, MessagePack
 * ({@code WsCodec.messagePack()}) on msgpack-core, strict UTF-8 validation of text. Not API. A new codec needs
 * nothing from here: it implements {@code message.WsCodec}.
 */
package io.reactivewspool.internal.codec;
