package io.reactivewspool.server.jwt;

import java.util.Objects;

import io.reactivewspool.internal.jwt.NimbusJwtVerifier;
import io.reactivewspool.server.AuthenticatedUser;
import io.reactivewspool.server.Authenticator;
import io.reactivewspool.server.HandshakeInfo;
import io.reactivewspool.server.WsAuthenticationException;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * An {@link Authenticator} for signed JWTs (HS256, RS256, ES256) on nimbus-jose-jwt: the user is
 * the {@code sub} claim (or {@link JwtOptions#userIdClaim()}), and the connection's credentials
 * expire at the token's {@code exp} plus the clock skew, after which the hub closes it with 4002
 * unless the client sends a {@code refresh} with a newer token for the same user.
 *
 * <p>A token is refused with a {@link WsAuthenticationException} that names what is wrong
 * (upgrade: HTTP 401 with that reason; refresh: an {@code error}): malformed, {@code alg: none},
 * an algorithm not in {@link JwtOptions#algorithms()} (no algorithm confusion: HS256 is checked
 * only with the HMAC secret, RS256 and ES256 only with public keys of their type), an unknown key
 * or a bad signature, expired, not yet valid, wrong issuer or audience, a missing required claim.
 * No token is refused as 401 "missing credentials" by the hub.
 *
 * <p>With inline keys a token is checked on the calling thread (CPU only). With a JWKS URL the
 * check runs on {@link Schedulers#boundedElastic()}, since reading the key set blocks; the set is
 * cached for {@link JwtOptions#jwksCacheTtl()} and read again when a token names a key id it does
 * not hold (key rotation), at most twice per {@link JwtOptions#jwksMinRefreshInterval()}.
 * Thread-safe; the returned {@code Mono} is cold.
 *
 * <pre>{@code
 * WsHubOptions hub = WsHubOptions.builder()
 *         .authenticator(JwtAuthenticator.of(JwtOptions.builder()
 *                 .algorithms(JwtAlgorithm.RS256)
 *                 .jwksUri(URI.create("https://idp.example.com/.well-known/jwks.json"))
 *                 .issuer("https://idp.example.com/")
 *                 .audiences("chat")
 *                 .build()))
 *         .build();
 * }</pre>
 */
public final class JwtAuthenticator implements Authenticator {

    private final JwtOptions options;
    private final NimbusJwtVerifier verifier;

    private JwtAuthenticator(JwtOptions options) {
        this.options = options;
        this.verifier = new NimbusJwtVerifier(options);
    }

    /** An authenticator for these options. */
    public static JwtAuthenticator of(JwtOptions options) {
        return new JwtAuthenticator(Objects.requireNonNull(options, "options"));
    }

    /** The options this authenticator checks tokens against. */
    public JwtOptions options() {
        return options;
    }

    @Override
    public Mono<String> authenticate(String token, HandshakeInfo handshake) {
        return authenticateUser(token, handshake).map(AuthenticatedUser::userId);
    }

    @Override
    public Mono<AuthenticatedUser> authenticateUser(String token, HandshakeInfo handshake) {
        if (token == null) {
            return Mono.empty();
        }
        Mono<AuthenticatedUser> check = Mono.fromCallable(() -> verifier.verify(token));
        return verifier.readsKeys() ? check.subscribeOn(Schedulers.boundedElastic()) : check;
    }

    @Override
    public String toString() {
        return "JwtAuthenticator{" + options + "}";
    }
}
