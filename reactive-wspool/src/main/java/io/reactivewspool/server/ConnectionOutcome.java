package io.reactivewspool.server;

import java.util.Objects;

/**
 * What an operation on one connection, wherever it lives in the cluster, came to: done on the
 * connection's node, refused there, no such connection on any live node, or no answer from some
 * node in time. Returned by {@link WsHub#sendToConnection}, {@link WsHub#subscribeConnection},
 * {@link WsHub#unsubscribeConnection} and {@link HubAdmin#clusterConnection}.
 *
 * <pre>{@code
 * hub.sendToConnection(id, WsMessage.of("notice", null, Map.of("text", "hi")))
 *    .subscribe(o -> {
 *        switch (o.status()) {
 *            case DONE -> log.info("queued on node {}", o.nodeId());
 *            case NOT_FOUND -> log.info("connection {} is gone", id);
 *            case NO_ANSWER -> log.warn("unknown: {}", o.detail());
 *            default -> log.info("{}: {}", o.status(), o.detail());
 *        }
 *    });
 * }</pre>
 *
 * @param connectionId the connection asked for
 * @param status       what happened
 * @param nodeId       the node that holds the connection ({@link Status#DONE}, {@link Status#UNCHANGED},
 *                     {@link Status#REFUSED}); {@code null} otherwise
 * @param detail       why, in words (the refusal's reason, the silent nodes); empty when there is nothing to add
 * @param info         the connection's snapshot for a lookup ({@link HubAdmin#clusterConnection}) that found
 *                     it; {@code null} otherwise
 */
public record ConnectionOutcome(String connectionId, Status status, String nodeId, String detail, ConnectionInfo info) {

    /** What happened to the operation. */
    public enum Status {
        /**
         * Done on the connection's node: the message queued for it, the subscription made or
         * removed (and the client told), the connection found.
         */
        DONE,
        /** The connection is on {@code nodeId} and already was as asked (already subscribed, not subscribed). */
        UNCHANGED,
        /**
         * The connection is on {@code nodeId} but the operation was refused there: the connection is
         * closing, its outbound queue is full, a subscription limit is reached; {@code detail} says which.
         */
        REFUSED,
        /** No live node holds the connection: this node does not, and every other live node answered that it does not. */
        NOT_FOUND,
        /**
         * No node reported the connection, and not every live node answered within the cluster
         * request timeout ({@link ClusterSpec#requestTimeout()}): the connection may live on a silent
         * node, which may still apply the operation when the request reaches it. {@code detail} names
         * the silent nodes.
         */
        NO_ANSWER
    }

    public ConnectionOutcome {
        Objects.requireNonNull(connectionId, "connectionId");
        Objects.requireNonNull(status, "status");
        detail = detail == null ? "" : detail;
    }

    /** Whether the operation was done ({@link Status#DONE}). */
    public boolean isDone() {
        return status == Status.DONE;
    }
}
