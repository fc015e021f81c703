package io.reactivewspool.server;

import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;

import reactor.core.publisher.Mono;

/**
 * Decides who a connection belongs to, during the HTTP upgrade and before the hub allocates
 * anything for it. The token is the {@code token} query parameter or the token of an
 * {@code Authorization: Bearer} header ({@link HandshakeInfo#token()}).
 *
 * <p>Return the user id, or an empty {@code Mono} to refuse the upgrade with HTTP 401; a
 * {@link WsAccessDeniedException} refuses with 403 (known user, not allowed); any other error
 * refuses with 401 and is logged by class name only. Must not block: do lookups reactively.
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
