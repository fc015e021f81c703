/**
 * Implementation of the protocol's JSON codec ({@code WsCodec.json()}): the Jackson 3 codec with
 * its input limits, and strict UTF-8 validation of text payloads. Not API. A new codec needs
 * nothing from here: it implements {@code message.WsCodec}.
 */
package io.reactivewspool.internal.codec;
