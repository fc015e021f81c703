package io.reactivewspool.server;

import io.reactivewspool.WsException;

/**
 * A request of the hub to one client connection ({@link WsHub#request}) that got no {@code ack}:
 * the client answered with an error, too many of the hub's requests were already waiting on that
 * connection, the connection is unknown, or the request could not be sent. The other outcomes have
 * their own types: no answer in time is a {@link io.reactivewspool.WsRequestTimeoutException}, a
 * connection that closed first is a {@link io.reactivewspool.WsClosedException}.
 *
 * <pre>{@code
 * hub.request(connectionId, WsMessage.of("confirm", null, Map.of("order", 42)), Duration.ofSeconds(5))
 *    .onErrorResume(WsHubRequestException.class, e -> e.reason() == WsHubRequestException.Reason.REFUSED
 *            ? Mono.just(WsMessage.of("declined")) : Mono.error(e));
 * }</pre>
 */
public class WsHubRequestException extends WsException {

    private static final long serialVersionUID = 1L;

    /** Why the request got no {@code ack}. */
    public enum Reason {
        /** The client answered with {@code {"type":"ack","error":…}}; the message quotes its error. */
        REFUSED,
        /** The connection already had the most requests waiting ({@link LimitSpec#maxPendingRequestsPerConnection()}). */
        TOO_MANY_PENDING,
        /** No connection with that id on this hub, and no broker reaching other hubs. */
        UNKNOWN_CONNECTION,
        /** The request never left: the connection's outbound queue refused it, or the broker could not take it. */
        NOT_SENT
    }

    private final Reason reason;
    private final String connectionId;
    private final String requestId;

    /**
     * @param reason       why
     * @param connectionId the connection the request was for
     * @param requestId    the request's {@code id} on the wire, or {@code null} when it got none
     * @param message      what happened and what to do
     */
    public WsHubRequestException(Reason reason, String connectionId, String requestId, String message) {
        super(message);
        this.reason = reason;
        this.connectionId = connectionId;
        this.requestId = requestId;
    }

    /** Why the request got no {@code ack}. */
    public Reason reason() {
        return reason;
    }

    /** The connection the request was for. */
    public String connectionId() {
        return connectionId;
    }

    /** The request's {@code id} on the wire ({@code hub:…}), or {@code null} when it never got one. */
    public String requestId() {
        return requestId;
    }
}
