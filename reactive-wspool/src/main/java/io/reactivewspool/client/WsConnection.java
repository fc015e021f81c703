package io.reactivewspool.client;

import java.time.Duration;

import io.reactivewspool.message.WsCloseStatus;
import io.reactivewspool.message.WsMessage;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One open WebSocket connection. Thread-safe: any number of threads may send and request at
 * once. Every returned publisher is cold: nothing is sent until it is subscribed.
 *
 * <pre>{@code
 * client.connect().flatMap(conn -> conn.request(WsMessage.of("quote", "prices", Map.of("sym", "ACME")))
 *         .doFinally(s -> conn.close(WsCloseStatus.NORMAL).subscribe()));
 * }</pre>
 *
 * <p>Inbound messages: a message whose {@code id} matches a request in flight completes that
 * request and is not emitted by {@link #receive()}. Every other message is for the connection's
 * holder: the caller that opened it with {@link WsClient#connect()}, or the borrower of a pooled
 * connection from {@link WsClientPool#acquire()} until it releases it. Such a message goes to the
 * current subscribers of {@link #receive()}, or waits for one in a buffer of
 * {@link WsClientOptions#receiveBufferSize()} messages, so {@code send(x).then(receive().next())}
 * gets the answer even when it arrives before {@code receive()} is subscribed. The remote peer sets
 * the pace: a message that finds the buffer full is dropped and counted in
 * {@link #overflowedMessages()}; nothing is buffered without bound. When a pooled connection goes
 * back to the pool, its {@code receive()} subscribers complete and the messages its borrower did
 * not read are discarded (counted in {@link #droppedMessages()}), so the next borrower never reads
 * them; messages that arrive while nobody holds the connection are dropped and counted too.
 * A frame the codec cannot read never closes the connection: it is counted in
 * {@link #undecodableFrames()}, logged at a rate-limited level, and seen on {@link #receiveRaw()}.
 */
public interface WsConnection {

    /** A short identifier of this connection for logs ({@code conn=}). */
    String id();

    /** Encodes and sends one message; completes when the frame is written. Fails with {@code WsClosedException} when closed. */
    Mono<Void> send(WsMessage message);

    /** Sends one text frame as it is, without the codec. */
    Mono<Void> sendText(String text);

    /**
     * Sends {@code message} and completes with the reply carrying the same {@code id}. A message
     * without an id gets a fresh one. Fails with {@code WsRequestTimeoutException} after the
     * client's request timeout (only this request fails), with {@code WsClosedException} when
     * the connection closes first, or with its subclass {@code RequestNotSentException} when the
     * request never reached the wire (safe to send again elsewhere). Cancelling forgets the
     * request; a late reply is dropped.
     */
    Mono<WsMessage> request(WsMessage message);

    /** As {@link #request(WsMessage)} with an explicit timeout. */
    Mono<WsMessage> request(WsMessage message, Duration timeout);

    /**
     * Sends {@code message} and completes with the next inbound message that is not a reply to a
     * request in flight: {@code receive().next()} subscribed before the message is sent, for a
     * peer that answers without echoing an {@code id}. Fails with {@code WsRequestTimeoutException}
     * after the client's request timeout, with {@code WsClosedException} when the connection closes
     * (or a pooled connection is released) first. Only for the connection's holder (see above).
     */
    Mono<WsMessage> sendAndReceive(WsMessage message);

    /**
     * The inbound messages that are not replies to requests in flight, buffered for the holder
     * (see above); completes when the connection closes or a pooled connection is released.
     * Several subscribers at once each get every message, at the pace of the slowest.
     */
    Flux<WsMessage> receive();

    /** Every inbound text frame as received, before decoding; hot, completes when the connection closes. */
    Flux<String> receiveRaw();

    /**
     * Sends a WebSocket ping frame and completes with the time until the matching pong frame
     * arrived. Never completes if no pong arrives: apply a timeout. Fails with
     * {@code WsClosedException} when the connection closes first.
     */
    Mono<Duration> ping();

    /**
     * Sends a close frame with {@code code} and {@code reason} and completes when the connection
     * is closed (the peer answered or the close timeout passed). Idempotent.
     */
    Mono<Void> close(int code, String reason);

    /** As {@link #close(int, String)}. */
    default Mono<Void> close(WsCloseStatus status) {
        return close(status.code(), status.reason());
    }

    /**
     * Completes with the close code and reason once the connection is closed, by either side;
     * 1006 when the socket was lost without a close frame. Replays to late subscribers.
     */
    Mono<WsCloseStatus> onClose();

    /** Whether the connection is open and neither side started closing it. */
    boolean isActive();

    /** Requests sent on this connection that are waiting for their reply. */
    int pendingRequests();

    /** Inbound frames the codec could not decode, since the connection opened. */
    long undecodableFrames();

    /**
     * Inbound messages dropped: nobody held the connection, the receive buffer was full, the
     * borrower released the connection without reading them, or a reply came too late.
     */
    long droppedMessages();

    /** Inbound messages dropped because the receive buffer was full (part of {@link #droppedMessages()}). */
    long overflowedMessages();
}
