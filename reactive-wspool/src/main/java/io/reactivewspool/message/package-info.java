/**
 * The wire message model, shared by the client and the server: the
 * {@link io.reactivewspool.message.WsMessage} envelope, topic-name rules
 * ({@link io.reactivewspool.message.TopicName}), close codes
 * ({@link io.reactivewspool.message.WsCloseStatus}) and the
 * {@link io.reactivewspool.message.WsCodec} SPI that turns messages into frame payloads and back.
 *
 * <p>The protocol's JSON codec is {@code WsCodec.json()} (limits in
 * {@link io.reactivewspool.message.JsonCodecOptions}; the Jackson implementation is
 * {@code internal.codec.JacksonJsonCodec}); {@code WsCodec.cbor()} and {@code WsCodec.messagePack()}
 * carry the same envelope in binary frames, chosen per connection by WebSocket subprotocol.
 * <b>To add a codec</b>, implement {@code WsCodec} (thread-safe; {@code encode} returns a fresh array
 * the hub shares between recipients of that codec; bad input fails with {@code WsProtocolException};
 * {@code subprotocol()} and {@code binary()} say how it is asked for and framed) and pass it to
 * {@code WsHubOptions.Builder.codecs} and {@code WsClientOptions.Builder.codec}; {@code JsonCodecTest},
 * {@code BinaryCodecTest} and {@code DecoderFuzzProperties} show what to test.
 */
package io.reactivewspool.message;
