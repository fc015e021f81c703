package io.reactivewspool.server.jwt;

/**
 * The JWS algorithms a {@link JwtAuthenticator} can accept. Only the algorithms named in
 * {@link JwtOptions.Builder#algorithms} are accepted; {@code none} never is.
 *
 * <pre>{@code
 * JwtOptions.builder().algorithms(JwtAlgorithm.RS256, JwtAlgorithm.ES256)
 * }</pre>
 */
public enum JwtAlgorithm {
    /** HMAC with SHA-256, verified with the shared {@link JwtOptions.Builder#hmacSecret secret} (at least 32 bytes). */
    HS256,
    /** RSASSA-PKCS1-v1_5 with SHA-256, verified with an RSA public key (inline or from the JWKS). */
    RS256,
    /** ECDSA on P-256 with SHA-256, verified with an EC P-256 public key (inline or from the JWKS). */
    ES256
}
