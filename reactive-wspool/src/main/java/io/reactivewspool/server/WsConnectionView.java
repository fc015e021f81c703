package io.reactivewspool.server;

import java.time.Instant;
import java.util.Map;
import java.util.Set;

import io.reactivewspool.message.WsMessage;

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

    /** A snapshot with the connection's counters. */
    ConnectionInfo info();
}
