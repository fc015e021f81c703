package io.reactivewspool.server;

import java.util.Map;

/**
 * A snapshot of a hub's counters. Totals count since the hub was created.
 *
 * @param activeConnections     connections in the registry now
 * @param totalConnections      connections accepted since start
 * @param rejectedConnections   upgrades refused (401/403/503) or closed at once (1013)
 * @param users                 distinct authenticated users connected now
 * @param messagesReceived      messages received from clients
 * @param messagesSent          frames handed to transports
 * @param messagesDropped       messages dropped by overflow policies
 * @param messagesFailed        messages that could not be queued (connection closing) and
 *                              topic emissions that failed
 * @param errors                {@code error} replies sent
 * @param broadcasts            broadcasts and user sends performed
 * @param connectionStates      connections per state
 * @param topicSubscribers      connections subscribed per topic
 * @param cleanupRuns           sweeps run (timed and on demand)
 * @param cleanupRemovedStale   connections removed as stale (no activity within the timeout)
 * @param cleanupRemovedFailed  connections removed for failed sends over the threshold
 * @param cleanupRemovedClosed  connections removed that had closed without leaving the registry
 * @param heartbeatTimeouts     connections closed with 4000 by the heartbeat
 * @param brokerConnected       whether the broker reaches the cluster
 */
public record HubStats(int activeConnections, long totalConnections, long rejectedConnections, int users,
                       long messagesReceived, long messagesSent, long messagesDropped, long messagesFailed,
                       long errors, long broadcasts, Map<ConnectionState, Integer> connectionStates,
                       Map<String, Integer> topicSubscribers, long cleanupRuns, long cleanupRemovedStale,
                       long cleanupRemovedFailed, long cleanupRemovedClosed, long heartbeatTimeouts,
                       boolean brokerConnected) {
}
