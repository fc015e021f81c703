package io.reactivewspool.server;

import java.time.Instant;
import java.util.Objects;

/**
 * Who an {@link Authenticator} found behind a token, and until when the token holds. At
 * {@code expiresAt} the hub closes the connection with 4002 unless the client has sent a
 * {@code refresh} with a new token for the same user (docs/PROTOCOL.md).
 *
 * <pre>{@code
 * Authenticator auth = Authenticator.expiring((token, hs) -> sessions.lookup(token)
 *         .map(s -> AuthenticatedUser.until(s.userId(), s.validUntil())));
 * }</pre>
 *
 * @param userId    the user id, never {@code null}
 * @param expiresAt when the credentials stop holding, or {@code null}: never
 */
public record AuthenticatedUser(String userId, Instant expiresAt) {

    public AuthenticatedUser {
        Objects.requireNonNull(userId, "userId");
    }

    /** A user whose credentials do not expire. */
    public static AuthenticatedUser of(String userId) {
        return new AuthenticatedUser(userId, null);
    }

    /** A user whose credentials hold until {@code expiresAt}. */
    public static AuthenticatedUser until(String userId, Instant expiresAt) {
        return new AuthenticatedUser(userId, Objects.requireNonNull(expiresAt, "expiresAt"));
    }
}
