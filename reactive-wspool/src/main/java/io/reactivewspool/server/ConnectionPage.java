package io.reactivewspool.server;

import java.util.List;

/**
 * One page of the connections of every live node ({@link HubAdmin#clusterConnections}), oldest first
 * (by {@link ConnectionInfo#createdAt()}, then id), each with its {@link ConnectionInfo#nodeId()}.
 * With a local broker: this node's connections.
 *
 * <pre>{@code
 * hub.admin().clusterConnections("alice", null, 1, 50)
 *    .subscribe(p -> p.connections().forEach(c -> log.info("{} on {}", c.connectionId(), c.nodeId())));
 * }</pre>
 *
 * @param connections     the page: at most {@code limit} connections
 * @param page            the page number, from 1
 * @param limit           the page size
 * @param total           how many connections match on the nodes that answered
 * @param answeredNodes   the nodes whose connections are counted, this one included, sorted
 * @param unansweredNodes the live nodes that did not answer within {@link ClusterSpec#requestTimeout()},
 *                        sorted; their connections are missing from the page and the total
 */
public record ConnectionPage(List<ConnectionInfo> connections, int page, int limit, int total,
                             List<String> answeredNodes, List<String> unansweredNodes) {

    /** The largest page size. */
    public static final int MAX_LIMIT = 500;
    /** How deep pages go: {@code page * limit} at most this; a deeper listing narrows by user or topic. */
    public static final int MAX_WINDOW = 5_000;

    public ConnectionPage {
        connections = List.copyOf(connections);
        answeredNodes = List.copyOf(answeredNodes);
        unansweredNodes = List.copyOf(unansweredNodes);
    }

    /** Whether connections match past this page (on the nodes that answered). */
    public boolean hasMore() {
        return (long) page * limit < total;
    }

    /**
     * Checks a page request.
     *
     * @throws IllegalArgumentException naming the parameter, its value and the range
     */
    public static void check(int page, int limit) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be 1.." + MAX_LIMIT + ", was " + limit);
        }
        if (page < 1 || (long) page * limit > MAX_WINDOW) {
            throw new IllegalArgumentException("page must be 1.." + Math.max(1, MAX_WINDOW / limit) + " with limit " + limit
                    + " (page * limit at most " + MAX_WINDOW + "), was " + page + "; narrow the listing by user_id or topic");
        }
    }
}
