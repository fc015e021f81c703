package io.reactivewspool.server;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;

/**
 * Decides whether an admin API request comes from an administrator. Refused requests get 403.
 * Must not block.
 *
 * <pre>{@code
 * AdminAuthenticator admin = AdminAuthenticator.bearer(System.getenv("ADMIN_TOKEN"));
 * }</pre>
 */
@FunctionalInterface
public interface AdminAuthenticator {

    /** Whether the request may use the admin API. */
    boolean isAdmin(HandshakeInfo request);

    /** Admits requests with {@code Authorization: Bearer <token>} (constant-time comparison). */
    static AdminAuthenticator bearer(String token) {
        Objects.requireNonNull(token, "token");
        if (token.isEmpty()) {
            throw new IllegalArgumentException("admin token must not be empty");
        }
        byte[] expected = token.getBytes(StandardCharsets.UTF_8);
        return request -> {
            String presented = request.bearerToken();
            return presented != null && MessageDigest.isEqual(expected, presented.getBytes(StandardCharsets.UTF_8));
        };
    }

    /** Refuses everyone (the default when no admin authenticator is configured). */
    static AdminAuthenticator denyAll() {
        return request -> false;
    }
}
