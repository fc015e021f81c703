package io.reactivewspool.server;

/**
 * Told when a connection opens (after its {@code welcome}) and when it closes (before its
 * subscriptions are dropped, so {@link WsConnectionView#topics()} still lists them). Called on
 * the connection's I/O thread: keep it short and never block; a listener that throws is logged
 * and does not affect the connection.
 *
 * <pre>{@code
 * WsHubOptions.builder().connectionListener(new ConnectionListener() {
 *     public void onClose(WsConnectionView c, WsHub hub) {
 *         c.topics().forEach(t -> hub.broadcast(t, "member_left", Map.of("user", c.userId())));
 *     }
 * });
 * }</pre>
 */
public interface ConnectionListener {

    /** A connection is open and registered. */
    default void onOpen(WsConnectionView connection, WsHub hub) {
    }

    /** A connection is closing and about to be unregistered. */
    default void onClose(WsConnectionView connection, WsHub hub) {
    }
}
