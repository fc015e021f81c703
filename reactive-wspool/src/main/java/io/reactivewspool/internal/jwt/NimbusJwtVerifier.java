package io.reactivewspool.internal.jwt;

import java.net.MalformedURLException;
import java.security.Key;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.EncryptedJWT;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.reactivewspool.server.AuthenticatedUser;
import io.reactivewspool.server.WsAuthenticationException;
import io.reactivewspool.server.jwt.JwtAlgorithm;
import io.reactivewspool.server.jwt.JwtOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks a compact JWS token against {@link JwtOptions} with nimbus-jose-jwt for parsing,
 * signatures and the JWK set, and with its own claim checks so that every refusal has a reason
 * of its own that is safe to send to the client and to log (never the token, never claim values).
 * {@link #verify} blocks when it has to read the JWK set: callers with a JWKS run it off the event
 * loop.
 */
public final class NimbusJwtVerifier {

    private static final Logger log = LoggerFactory.getLogger(NimbusJwtVerifier.class);
    private static final int JWKS_SIZE_LIMIT = 512 * 1024;

    private final JwtOptions options;
    private final Set<JWSAlgorithm> accepted;
    private final JWSVerifier hmac;
    private final List<JWSVerifier> rsa = new ArrayList<>();
    private final List<JWSVerifier> ec = new ArrayList<>();
    private final JWKSource<SecurityContext> jwks;

    public NimbusJwtVerifier(JwtOptions options) {
        this.options = options;
        EnumSet<JwtAlgorithm> algs = EnumSet.copyOf(options.algorithms());
        Set<JWSAlgorithm> acc = new HashSet<>();
        algs.forEach(a -> acc.add(JWSAlgorithm.parse(a.name())));
        this.accepted = Collections.unmodifiableSet(acc);
        try {
            this.hmac = options.hmacSecret() == null ? null : new MACVerifier(options.hmacSecret());
            for (PublicKey k : options.publicKeys()) {
                if (k instanceof RSAPublicKey r) {
                    rsa.add(new RSASSAVerifier(r));
                } else if (k instanceof ECPublicKey e) {
                    ec.add(new ECDSAVerifier(e));
                }
            }
        } catch (JOSEException e) {
            throw new IllegalArgumentException("JWT keys are not usable: " + e.getMessage(), e);
        }
        this.jwks = options.jwksUri() == null ? null : jwkSource(options);
    }

    private static JWKSource<SecurityContext> jwkSource(JwtOptions o) {
        int timeout = (int) o.jwksTimeout().toMillis();
        DefaultResourceRetriever retriever = new DefaultResourceRetriever(timeout, timeout, JWKS_SIZE_LIMIT);
        try {
            JWKSourceBuilder<SecurityContext> b = JWKSourceBuilder.create(o.jwksUri().toURL(), retriever)
                    .cache(o.jwksCacheTtl().toMillis(), o.jwksTimeout().toMillis())
                    // No refresh-ahead: it runs its own executor threads that nothing would stop.
                    .refreshAheadCache(false);
            b = o.jwksMinRefreshInterval().isZero() ? b.rateLimited(false) : b.rateLimited(o.jwksMinRefreshInterval().toMillis());
            return b.build();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException("jwksUri is not a URL: " + o.jwksUri(), e);
        }
    }

    /** Whether {@link #verify} may read the JWK set over the network (and so block). */
    public boolean readsKeys() {
        return jwks != null;
    }

    /**
     * The user and expiry of a valid token.
     *
     * @throws WsAuthenticationException with what is wrong with the token
     */
    public AuthenticatedUser verify(String token) {
        JWT jwt;
        try {
            jwt = JWTParser.parse(token);
        } catch (ParseException e) {
            throw refused("token malformed: not a compact JWT");
        }
        if (jwt instanceof PlainJWT) {
            throw refused("token algorithm 'none' not accepted: tokens must be signed with one of " + names());
        }
        if (jwt instanceof EncryptedJWT || !(jwt instanceof SignedJWT signed)) {
            throw refused("encrypted tokens are not accepted: send a signed JWT");
        }
        JWSHeader header = signed.getHeader();
        JWSAlgorithm alg = header.getAlgorithm();
        if (!accepted.contains(alg)) {
            throw refused("token algorithm '" + alg.getName() + "' not accepted: accepted are " + names());
        }
        if (!signatureValid(signed, header, alg)) {
            throw refused("token signature invalid for the configured keys");
        }
        JWTClaimsSet claims;
        try {
            claims = signed.getJWTClaimsSet();
        } catch (ParseException e) {
            throw refused("token malformed: its claims are not a JSON object");
        }
        return check(claims);
    }

    private boolean signatureValid(SignedJWT signed, JWSHeader header, JWSAlgorithm alg) {
        List<JWSVerifier> candidates;
        if (JWSAlgorithm.HS256.equals(alg)) {
            candidates = List.of(hmac);
        } else {
            candidates = new ArrayList<>(JWSAlgorithm.RS256.equals(alg) ? rsa : ec);
            if (jwks != null) {
                candidates.addAll(jwksVerifiers(header, alg));
            }
        }
        if (candidates.isEmpty()) {
            throw refused("token signing key unknown" + (header.getKeyID() == null ? "" : ": no key with its key id"));
        }
        for (JWSVerifier v : candidates) {
            try {
                if (signed.verify(v)) {
                    return true;
                }
            } catch (JOSEException e) {
                // A key that cannot check this token (wrong curve, say): try the next one.
            }
        }
        return false;
    }

    private List<JWSVerifier> jwksVerifiers(JWSHeader header, JWSAlgorithm alg) {
        List<? extends Key> keys;
        try {
            // Looks the key id up in the cached set and re-reads the set (rate-limited) when it is unknown: key rotation.
            keys = new JWSVerificationKeySelector<>(alg, jwks).selectJWSKeys(header, null);
        } catch (KeySourceException e) {
            log.warn("jwks read failed jwks_uri={} error={}", options.jwksUri(), e.toString());
            throw refused("token signing keys unavailable: the key set could not be read");
        }
        List<JWSVerifier> verifiers = new ArrayList<>(keys.size());
        for (Key k : keys) {
            try {
                if (k instanceof RSAPublicKey r) {
                    verifiers.add(new RSASSAVerifier(r));
                } else if (k instanceof ECPublicKey e) {
                    verifiers.add(new ECDSAVerifier(e));
                }
            } catch (JOSEException e) {
                // Not a usable key for this algorithm.
            }
        }
        return verifiers;
    }

    private AuthenticatedUser check(JWTClaimsSet claims) {
        Instant now = options.clock().instant();
        Date exp = claims.getExpirationTime();
        if (exp == null && options.requireExpiry()) {
            throw refused("token has no expiry: claim 'exp' is required");
        }
        Instant expiresAt = exp == null ? null : exp.toInstant().plus(options.clockSkew());
        if (expiresAt != null && !now.isBefore(expiresAt)) {
            throw refused("token expired");
        }
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && now.plus(options.clockSkew()).isBefore(nbf.toInstant())) {
            throw refused("token not yet valid: its 'nbf' is in the future");
        }
        if (options.issuer() != null && !options.issuer().equals(claims.getIssuer())) {
            throw refused("token issuer not accepted");
        }
        if (!options.audiences().isEmpty()) {
            List<String> aud = claims.getAudience();
            if (aud == null || aud.stream().noneMatch(options.audiences()::contains)) {
                throw refused("token audience not accepted");
            }
        }
        Map<String, Object> all = claims.getClaims();
        for (String name : options.requiredClaims()) {
            if (all.get(name) == null) {
                throw refused("token lacks required claim '" + name + "'");
            }
        }
        Object user = all.get(options.userIdClaim());
        if (!(user instanceof String id) || id.isEmpty()) {
            throw refused("token lacks a string claim '" + options.userIdClaim() + "' naming the user");
        }
        return new AuthenticatedUser(id, expiresAt);
    }

    private List<String> names() {
        return options.algorithms().stream().map(Enum::name).sorted().toList();
    }

    private static WsAuthenticationException refused(String reason) {
        return new WsAuthenticationException(reason);
    }
}
