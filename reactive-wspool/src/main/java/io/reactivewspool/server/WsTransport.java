package io.reactivewspool.server;

import java.util.Optional;
import java.util.concurrent.Executor;

import io.reactivewspool.message.WsCloseStatus;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The socket of one accepted WebSocket connection, whatever server carries it: what the hub reads
 * frames from and writes frames to. Both engines of {@code WsServer} implement it (Reactor Netty
 * and plain Netty), and so can an adapter over Spring WebFlux's {@code WebSocketSession}; the
 * whole hub works on this interface only. The same connection is, to handlers and policies, a
 * live {@link WsConnectionView}, and to the admin API a {@link ConnectionInfo} snapshot.
 *
 * <p>Contract for implementers:
 * <ul>
 *   <li>{@link #receive()} is subscribed once; each frame's bytes are copied out of (and the
 *       transport's buffer released) before it is emitted; it completes when the peer closes or
 *       the connection drops, and may signal an error when the connection fails: a
 *       {@link WsFrameTooLargeException} for a message over the transport's size limit (the hub
 *       then closes with 1009).</li>
 *   <li>{@link #send(Publisher)} is subscribed once; the transport requests frames only as fast as
 *       it can write them (that demand is the backpressure the hub's per-connection queue sees),
 *       flushes in batches and completes when the publisher completes or the connection closes.</li>
 *   <li>{@link #close(WsCloseStatus)} sends a close frame with the code and reason (only the first
 *       close has an effect) and closes the connection; it may be called while {@code send} is
 *       active, from any thread.</li>
 *   <li>{@link #executor()} is optional: the thread that writes this connection (a Netty event
 *       loop), where the hub then runs what it receives from its broker.</li>
 * </ul>
 * Every method is non-blocking and returns cold publishers.
 */
public interface WsTransport {

    /** The upgrade request this connection came from. */
    HandshakeInfo handshake();

    /** The frames the client sends; see the class contract. */
    Flux<InboundFrame> receive();

    /** Writes the hub's frames to the client; see the class contract. */
    Mono<Void> send(Publisher<OutboundFrame> frames);

    /** Sends a close frame with the status and closes the connection. */
    Mono<Void> close(WsCloseStatus status);

    /**
     * The executor that does this connection's I/O, a single thread that runs tasks in order (a
     * Netty channel's event loop), or empty (the default) when the transport has none.
     *
     * <p>The hub runs the messages its broker brings from other nodes on the executor of the first
     * connection that names one: a broadcast then reaches the connections of that thread with a
     * direct write each, instead of a task handed to each connection's thread. Example, for a
     * transport over a Netty {@code channel}:
     * <pre>{@code
     * public Optional<Executor> executor() {
     *     return Optional.of(channel.eventLoop());
     * }
     * }</pre>
     */
    default Optional<Executor> executor() {
        return Optional.empty();
    }
}
