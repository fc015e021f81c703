package io.reactivewspool.server;

import java.time.Instant;

import io.reactivewspool.internal.OptionRange;

/**
 * The hub's answer to an upgrade request ({@link WsHub#admit(HandshakeInfo)}): accepted with the
 * authenticated user id, or refused with the HTTP status the transport must answer with INSTEAD
 * of upgrading (401 no or bad credentials, 403 origin or user not allowed, 503 shutting down).
 * An accepted admission may carry when the user's credentials expire ({@link #expiresAt()}).
 *
 * <p>Immutable.
 */
public final class Admission {

    private static final Admission ANONYMOUS = new Admission(true, null, null, 101, "accepted");

    private final boolean accepted;
    private final String userId;
    private final Instant expiresAt;
    private final int httpStatus;
    private final String reason;

    private Admission(boolean accepted, String userId, Instant expiresAt, int httpStatus, String reason) {
        this.accepted = accepted;
        this.userId = userId;
        this.expiresAt = expiresAt;
        this.httpStatus = httpStatus;
        this.reason = reason;
    }

    /** An accepted upgrade for the given user ({@code null}: anonymous). */
    public static Admission accepted(String userId) {
        return userId == null ? ANONYMOUS : new Admission(true, userId, null, 101, "accepted");
    }

    /**
     * An accepted upgrade for a user whose credentials expire at {@code expiresAt}
     * ({@code null}: never); the hub closes the connection with 4002 then unless it is refreshed.
     */
    public static Admission accepted(String userId, Instant expiresAt) {
        if (expiresAt != null && userId == null) {
            throw new IllegalArgumentException("expiresAt needs a userId: anonymous connections have no credentials to expire");
        }
        return expiresAt == null ? accepted(userId) : new Admission(true, userId, expiresAt, 101, "accepted");
    }

    /** A refused upgrade: the transport answers {@code httpStatus} with {@code reason} as body. */
    public static Admission refused(int httpStatus, String reason) {
        OptionRange.between("httpStatus", httpStatus, 400, 599);
        return new Admission(false, null, null, httpStatus, reason == null ? "" : reason);
    }

    /** Whether the upgrade may proceed. */
    public boolean isAccepted() {
        return accepted;
    }

    /** The authenticated user id; {@code null} when anonymous or refused. */
    public String userId() {
        return userId;
    }

    /** When the user's credentials expire; {@code null} when they do not, or anonymous or refused. */
    public Instant expiresAt() {
        return expiresAt;
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
        return accepted ? "Admission{accepted, user=" + userId + (expiresAt == null ? "" : ", expires_at=" + expiresAt) + "}" : "Admission{refused " + httpStatus + ": " + reason + "}";
    }
}
