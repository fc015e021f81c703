/**
 * The wire message model, shared by the client and the server: the
 * {@link io.reactivewspool.message.WsMessage} envelope, topic-name rules
 * ({@link io.reactivewspool.message.TopicName}), close codes
 * ({@link io.reactivewspool.message.WsCloseStatus}) and the
 * {@link io.reactivewspool.message.WsCodec} SPI that turns messages into frame payloads and back.
 *
 * <p>The protocol's JSON codec is {@code WsCodec.json()} (limits in
 * {@link io.reactivewspool.message.JsonCodecOptions}; the Jackson implementation is
 * {@code internal.codec.JacksonJsonCodec}). <b>To add a codec</b>, implement {@code WsCodec}
 * (thread-safe; {@code encode} returns a fresh array the hub shares between recipients; bad input
 * fails with {@code WsProtocolException}) and pass it to {@code WsHubOptions.Builder.codec} and
 * {@code WsClientOptions.Builder.codec}; {@code JsonCodecTest} and {@code DecoderFuzzProperties}
 * show what to test.
 */
package io.reactivewspool.message;
