package io.reactivewspool.server;

import java.time.Instant;
import java.util.Objects;

import io.reactivewspool.internal.OptionRange;

/**
 * The hub's answer to an upgrade request ({@link WsHub#admit(HandshakeInfo)}): accepted with the
 * authenticated user id, or refused with the HTTP status the transport must answer with INSTEAD
 * of upgrading (401 no or bad credentials, 403 origin or user not allowed, 503 shutting down).
 * An accepted admission may carry when the user's credentials expire ({@link #expiresAt()}), and
 * carries the WebSocket subprotocol the hub chose ({@link #subprotocol()}), which the transport
 * answers in {@code Sec-WebSocket-Protocol}.
 *
 * <p>Immutable.
 *
 * <pre>{@code
 * Admission a = Admission.accepted("alice").withSubprotocol("wspool.cbor");
 * }</pre>
 */
public final class Admission {

    private static final Admission ANONYMOUS = new Admission(true, null, null, 101, "accepted", null);

    private final boolean accepted;
    private final String userId;
    private final Instant expiresAt;
    private final int httpStatus;
    private final String reason;
    private final String subprotocol;

    private Admission(boolean accepted, String userId, Instant expiresAt, int httpStatus, String reason, String subprotocol) {
        this.accepted = accepted;
        this.userId = userId;
        this.expiresAt = expiresAt;
        this.httpStatus = httpStatus;
        this.reason = reason;
        this.subprotocol = subprotocol;
    }

    /** An accepted upgrade for the given user ({@code null}: anonymous). */
    public static Admission accepted(String userId) {
        return userId == null ? ANONYMOUS : new Admission(true, userId, null, 101, "accepted", null);
    }

    /**
     * An accepted upgrade for a user whose credentials expire at {@code expiresAt}
     * ({@code null}: never); the hub closes the connection with 4002 then unless it is refreshed.
     */
    public static Admission accepted(String userId, Instant expiresAt) {
        if (expiresAt != null && userId == null) {
            throw new IllegalArgumentException("expiresAt needs a userId: anonymous connections have no credentials to expire");
        }
        return expiresAt == null ? accepted(userId) : new Admission(true, userId, expiresAt, 101, "accepted", null);
    }

    /** A refused upgrade: the transport answers {@code httpStatus} with {@code reason} as body. */
    public static Admission refused(int httpStatus, String reason) {
        OptionRange.between("httpStatus", httpStatus, 400, 599);
        return new Admission(false, null, null, httpStatus, reason == null ? "" : reason, null);
    }

    /**
     * The same admission answering the upgrade with subprotocol {@code name} ({@code null}: with
     * none). The hub sets it in {@link WsHub#admit}; an engine that builds its own admission from
     * one of the hub's keeps it.
     *
     * @throws IllegalStateException when this admission is a refusal
     */
    public Admission withSubprotocol(String name) {
        if (!accepted) {
            throw new IllegalStateException("a refused upgrade has no subprotocol: " + this);
        }
        return Objects.equals(name, subprotocol) ? this
                : new Admission(true, userId, expiresAt, httpStatus, reason, name);
    }

    /**
     * The subprotocol the transport answers in {@code Sec-WebSocket-Protocol}, which selects the
     * connection's codec; {@code null} when the client asked for none the hub knows (the answer then
     * has no such header, and the connection uses the hub's default codec).
     */
    public String subprotocol() {
        return subprotocol;
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
        return accepted ? "Admission{accepted, user=" + userId + (expiresAt == null ? "" : ", expires_at=" + expiresAt)
                + (subprotocol == null ? "" : ", subprotocol=" + subprotocol) + "}" : "Admission{refused " + httpStatus + ": " + reason + "}";
    }
}
