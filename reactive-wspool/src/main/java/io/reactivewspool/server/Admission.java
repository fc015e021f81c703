package io.reactivewspool.server;

/**
 * The hub's answer to an upgrade request ({@link WsHub#admit(HandshakeInfo)}): accepted with the
 * authenticated user id, or refused with the HTTP status the transport must answer with INSTEAD
 * of upgrading (401 no or bad credentials, 403 origin or user not allowed, 503 shutting down).
 *
 * <p>Immutable.
 */
public final class Admission {

    private static final Admission ANONYMOUS = new Admission(true, null, 101, "accepted");

    private final boolean accepted;
    private final String userId;
    private final int httpStatus;
    private final String reason;

    private Admission(boolean accepted, String userId, int httpStatus, String reason) {
        this.accepted = accepted;
        this.userId = userId;
        this.httpStatus = httpStatus;
        this.reason = reason;
    }

    /** An accepted upgrade for the given user ({@code null}: anonymous). */
    public static Admission accepted(String userId) {
        return userId == null ? ANONYMOUS : new Admission(true, userId, 101, "accepted");
    }

    /** A refused upgrade: the transport answers {@code httpStatus} with {@code reason} as body. */
    public static Admission refused(int httpStatus, String reason) {
        if (httpStatus < 400 || httpStatus > 599) {
            throw new IllegalArgumentException("httpStatus must be between 400 and 599, was " + httpStatus);
        }
        return new Admission(false, null, httpStatus, reason == null ? "" : reason);
    }

    /** Whether the upgrade may proceed. */
    public boolean isAccepted() {
        return accepted;
    }

    /** The authenticated user id; {@code null} when anonymous or refused. */
    public String userId() {
        return userId;
    }

    /** 101 when accepted, otherwise the HTTP status to answer with. */
    public int httpStatus() {
        return httpStatus;
    }

    /** Why the upgrade was refused (safe to send to the client; never contains a token). */
    public String reason() {
        return reason;
    }

    @Override
    public String toString() {
        return accepted ? "Admission{accepted, user=" + userId + "}" : "Admission{refused " + httpStatus + ": " + reason + "}";
    }
}
