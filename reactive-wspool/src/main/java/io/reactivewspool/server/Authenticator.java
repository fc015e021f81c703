package io.reactivewspool.server;

import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiFunction;

import reactor.core.publisher.Mono;

/**
 * Decides who a connection belongs to, during the HTTP upgrade and before the hub allocates
 * anything for it. The token is the {@code token} query parameter or the token of an
 * {@code Authorization: Bearer} header ({@link HandshakeInfo#token()}).
 *
 * <p>Return the user id, or an empty {@code Mono} to refuse the upgrade with HTTP 401; a
 * {@link WsAccessDeniedException} refuses with 403 (known user, not allowed); a
 * {@link WsAuthenticationException} refuses with 401 and its reason; any other error refuses
 * with 401 and is logged by class name only. Must not block: do lookups reactively.
 *
 * <p>Credentials that expire: the hub calls {@link #authenticateUser}, whose
 * {@link AuthenticatedUser#expiresAt()} makes the hub close the connection with 4002 at that
 * instant unless the client sends a {@code refresh} with a new token for the same user; the hub
 * checks that token with {@link #authenticateUser} too. {@link #expiring} builds such an
 * authenticator from one function; {@code JwtAuthenticator} is one.
 *
 * <pre>{@code
 * Authenticator auth = (token, handshake) -> userService.findByToken(token).map(User::id);
 * }</pre>
 */
@FunctionalInterface
public interface Authenticator {

    /**
     * @param token     the presented token, or {@code null} when the client sent none
     * @param handshake the upgrade request
     * @return the user id, or empty to refuse
     */
    Mono<String> authenticate(String token, HandshakeInfo handshake);

    /**
     * The user and when the credentials expire; what the hub calls at the upgrade and for each
     * {@code refresh}. By default {@link #authenticate} with no expiry; an authenticator whose
     * credentials expire overrides it (and {@link #authenticate} with the same answer's user id).
     *
     * @param token     the presented token, or {@code null} when the client sent none
     * @param handshake the upgrade request (for a {@code refresh}: the connection's, without credentials)
     * @return the user, or empty to refuse
     */
    default Mono<AuthenticatedUser> authenticateUser(String token, HandshakeInfo handshake) {
        return authenticate(token, handshake).map(AuthenticatedUser::of);
    }

    /**
     * An authenticator whose answers may carry an expiry:
     * {@code Authenticator.expiring((token, hs) -> Mono.just(AuthenticatedUser.until("alice", deadline)))}.
     */
    static Authenticator expiring(BiFunction<String, HandshakeInfo, Mono<AuthenticatedUser>> users) {
        Objects.requireNonNull(users, "users");
        return new Authenticator() {
            @Override
            public Mono<String> authenticate(String token, HandshakeInfo handshake) {
                return authenticateUser(token, handshake).map(AuthenticatedUser::userId);
            }

            @Override
            public Mono<AuthenticatedUser> authenticateUser(String token, HandshakeInfo handshake) {
                return users.apply(token, handshake);
            }
        };
    }

    /**
     * Static tokens: {@code userByToken} maps each token to its user id. Comparison is
     * constant-time per entry.
     */
    static Authenticator tokens(Map<String, String> userByToken) {
        Map<String, String> copy = Map.copyOf(Objects.requireNonNull(userByToken, "userByToken"));
        return (token, handshake) -> {
            if (token == null) {
                return Mono.empty();
            }
            byte[] presented = token.getBytes(StandardCharsets.UTF_8);
            String user = null;
            for (Map.Entry<String, String> e : copy.entrySet()) {
                if (MessageDigest.isEqual(presented, e.getKey().getBytes(StandardCharsets.UTF_8))) {
                    user = e.getValue();
                }
            }
            return Mono.justOrEmpty(user);
        };
    }
}
