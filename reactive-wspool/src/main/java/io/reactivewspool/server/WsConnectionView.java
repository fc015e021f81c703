package io.reactivewspool.server;

import java.time.Instant;
import java.util.Map;
import java.util.Set;

import io.reactivewspool.message.WsMessage;
import reactor.core.publisher.Mono;

/**
 * A live view of one hub connection, for message handlers, topic policies and admin code. The
 * admin API shows the same connection as an immutable {@link ConnectionInfo} snapshot; the socket
 * under it is its {@link WsTransport}.
 * Everything is read-only except {@link #metadata()}, a concurrent map the application may use
 * to keep its own attributes (shown by the admin API). Thread-safe.
 */
public interface WsConnectionView {

    /** The connection's unique id (also sent to the client in {@code welcome}). */
    String id();

    /** The authenticated user id, or {@code null} when anonymous. */
    String userId();

    /** The upgrade request. */
    HandshakeInfo handshake();

    /** The current state. */
    ConnectionState state();

    /** When the connection was accepted. */
    Instant createdAt();

    /** When the client last sent a frame (any frame, pong included). */
    Instant lastActivity();

    /** The topics the connection is subscribed to (a snapshot). */
    Set<String> topics();

    /** The application's attributes for this connection; mutable and concurrent. */
    Map<String, Object> metadata();

    /**
     * Queues a message for this connection (the hub sets its timestamp). Non-blocking.
     *
     * @return {@code false} when the connection is closing or the message was dropped by the
     *         overflow policy
     */
    boolean send(WsMessage message);

    /**
     * Closes the connection with a close code and reason, as its client sees them. Cold: nothing
     * happens until subscribed; completes when the close frame is sent (at once when the connection
     * is already closing: the first close wins).
     *
     * <pre>{@code
     * view.close(4100, "moved to another room").subscribe();
     * }</pre>
     *
     * @param code   a code a server may send (RFC 6455 section 7.4): 1000, 1001, 1002, 1003,
     *               1007, 1008, 1009, 1011, 1012, 1013, 1014, or 3000..4999 (3000..3999 registered
     *               with IANA, 4000..4999 private; the hub itself uses 4000..4002, see PROTOCOL.md)
     * @param reason at most 123 bytes in UTF-8 ({@code null}: none)
     * @throws IllegalArgumentException when the code may not be sent (1004, 1005, 1006, 1010, 1015,
     *                                  below 1000, 1016..2999, 5000 and up) or the reason is too long
     */
    Mono<Void> close(int code, String reason);

    /** A snapshot with the connection's counters. */
    ConnectionInfo info();
}
