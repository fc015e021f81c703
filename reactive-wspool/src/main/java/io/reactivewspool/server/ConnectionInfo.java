package io.reactivewspool.server;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A snapshot of one connection, as the admin API shows it: the immutable counterpart of the live
 * {@link WsConnectionView}, with the counters and queue sizes the view does not expose.
 *
 * @param connectionId   the connection id
 * @param userId         the user id, or {@code null} when anonymous
 * @param state          the state at the time of the snapshot
 * @param remoteAddress  the peer's address as text, or {@code null}
 * @param createdAt      when it was accepted
 * @param lastActivity   when the client last sent a frame
 * @param topics         subscribed topics, sorted
 * @param metadata       the application's attributes, as text
 * @param received       messages received from the client
 * @param sent           frames handed to the transport
 * @param dropped        messages dropped by the overflow policy
 * @param failed         messages that could not be queued because the connection was closing
 * @param errors         {@code error} replies sent to the client
 * @param queuedMessages frames waiting in the outbound queue
 * @param queuedBytes    payload bytes waiting in the outbound queue
 * @param nodeId         the node that holds the connection (its broker's {@code nodeId})
 */
public record ConnectionInfo(String connectionId, String userId, ConnectionState state, String remoteAddress,
                             Instant createdAt, Instant lastActivity, List<String> topics,
                             Map<String, String> metadata, long received, long sent, long dropped, long failed,
                             long errors, int queuedMessages, long queuedBytes, String nodeId) {
}
