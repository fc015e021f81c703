package io.reactivewspool.server.jwt;

import java.net.URI;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import io.reactivewspool.internal.OptionRange;

/**
 * Immutable settings of a {@link JwtAuthenticator}. Build with {@link #builder()}; every setter
 * checks its value at once and {@link Builder#build()} checks that each accepted algorithm has a
 * key, naming the field, the value and the allowed range.
 *
 * <table>
 * <caption>Options and defaults</caption>
 * <tr><th>option</th><th>default</th><th>range</th></tr>
 * <tr><td>algorithms</td><td>(required)</td><td>one or more of HS256, RS256, ES256; only these are accepted</td></tr>
 * <tr><td>hmacSecret</td><td>none</td><td>at least 32 bytes; required for HS256</td></tr>
 * <tr><td>publicKeys</td><td>none</td><td>RSA (2048 bits or more) for RS256, EC P-256 for ES256</td></tr>
 * <tr><td>jwksUri</td><td>none</td><td>http or https URL of a JWK set; its keys are cached and re-read on an unknown key id</td></tr>
 * <tr><td>jwksCacheTtl</td><td>{@link #DEFAULT_JWKS_CACHE_TTL} (5 min)</td><td>greater than jwksTimeout, at most 24 h</td></tr>
 * <tr><td>jwksMinRefreshInterval</td><td>{@link #DEFAULT_JWKS_MIN_REFRESH_INTERVAL} (30 s)</td><td>0 .. 1 h: at most two JWKS reads per interval; 0: no limit</td></tr>
 * <tr><td>jwksTimeout</td><td>{@link #DEFAULT_JWKS_TIMEOUT} (5 s)</td><td>100 ms .. 1 min, for connect and read</td></tr>
 * <tr><td>issuer</td><td>none: any</td><td>the exact {@code iss} a token must carry</td></tr>
 * <tr><td>audiences</td><td>none: any</td><td>a token's {@code aud} must contain one of them</td></tr>
 * <tr><td>requiredClaims</td><td>none</td><td>claim names a token must carry</td></tr>
 * <tr><td>userIdClaim</td><td>{@value #DEFAULT_USER_ID_CLAIM}</td><td>a string claim: the connection's user id</td></tr>
 * <tr><td>requireExpiry</td><td>true</td><td>false accepts tokens without {@code exp} (connections that never expire)</td></tr>
 * <tr><td>clockSkew</td><td>{@link #DEFAULT_CLOCK_SKEW} (60 s)</td><td>0 .. 10 min, tolerated on {@code exp} and {@code nbf}</td></tr>
 * <tr><td>clock</td><td>{@link Clock#systemUTC()}</td><td></td></tr>
 * </table>
 *
 * <pre>{@code
 * JwtOptions options = JwtOptions.builder()
 *         .algorithms(JwtAlgorithm.RS256)
 *         .jwksUri(URI.create("https://idp.example.com/.well-known/jwks.json"))
 *         .issuer("https://idp.example.com/")
 *         .audiences("chat")
 *         .build();
 * }</pre>
 */
public final class JwtOptions {

    /** Default {@code jwksCacheTtl}: 5 minutes. */
    public static final Duration DEFAULT_JWKS_CACHE_TTL = Duration.ofMinutes(5);
    /** Default {@code jwksMinRefreshInterval}: 30 seconds. */
    public static final Duration DEFAULT_JWKS_MIN_REFRESH_INTERVAL = Duration.ofSeconds(30);
    /** Default {@code jwksTimeout}: 5 seconds. */
    public static final Duration DEFAULT_JWKS_TIMEOUT = Duration.ofSeconds(5);
    /** Default {@code clockSkew}: 60 seconds. */
    public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(60);
    /** Default {@code userIdClaim}. */
    public static final String DEFAULT_USER_ID_CLAIM = "sub";

    private static final int MIN_HMAC_SECRET_BYTES = 32;
    private static final int MIN_RSA_BITS = 2048;

    private final Set<JwtAlgorithm> algorithms;
    private final byte[] hmacSecret;
    private final List<PublicKey> publicKeys;
    private final URI jwksUri;
    private final Duration jwksCacheTtl;
    private final Duration jwksMinRefreshInterval;
    private final Duration jwksTimeout;
    private final String issuer;
    private final Set<String> audiences;
    private final Set<String> requiredClaims;
    private final String userIdClaim;
    private final boolean requireExpiry;
    private final Duration clockSkew;
    private final Clock clock;

    private JwtOptions(Builder b) {
        algorithms = Set.copyOf(b.algorithms);
        hmacSecret = b.hmacSecret == null ? null : b.hmacSecret.clone();
        publicKeys = List.copyOf(b.publicKeys);
        jwksUri = b.jwksUri;
        jwksCacheTtl = b.jwksCacheTtl;
        jwksMinRefreshInterval = b.jwksMinRefreshInterval;
        jwksTimeout = b.jwksTimeout;
        issuer = b.issuer;
        audiences = Set.copyOf(b.audiences);
        requiredClaims = Set.copyOf(b.requiredClaims);
        userIdClaim = b.userIdClaim;
        requireExpiry = b.requireExpiry;
        clockSkew = b.clockSkew;
        clock = b.clock;
    }

    /** A builder with the defaults above; set {@code algorithms} and a key for each. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder pre-filled with these options. */
    public Builder mutate() {
        Builder b = new Builder();
        b.algorithms.addAll(algorithms);
        b.hmacSecret = hmacSecret == null ? null : hmacSecret.clone();
        b.publicKeys.addAll(publicKeys);
        b.jwksUri = jwksUri;
        b.jwksCacheTtl = jwksCacheTtl;
        b.jwksMinRefreshInterval = jwksMinRefreshInterval;
        b.jwksTimeout = jwksTimeout;
        b.issuer = issuer;
        b.audiences.addAll(audiences);
        b.requiredClaims.addAll(requiredClaims);
        b.userIdClaim = userIdClaim;
        b.requireExpiry = requireExpiry;
        b.clockSkew = clockSkew;
        b.clock = clock;
        return b;
    }

    public Set<JwtAlgorithm> algorithms() {
        return algorithms;
    }

    /** A copy of the HMAC secret, or {@code null}. */
    public byte[] hmacSecret() {
        return hmacSecret == null ? null : hmacSecret.clone();
    }

    public List<PublicKey> publicKeys() {
        return publicKeys;
    }

    /** The JWKS URL, or {@code null}. */
    public URI jwksUri() {
        return jwksUri;
    }

    public Duration jwksCacheTtl() {
        return jwksCacheTtl;
    }

    public Duration jwksMinRefreshInterval() {
        return jwksMinRefreshInterval;
    }

    public Duration jwksTimeout() {
        return jwksTimeout;
    }

    /** The required issuer, or {@code null}: any. */
    public String issuer() {
        return issuer;
    }

    /** The accepted audiences; empty: any. */
    public Set<String> audiences() {
        return audiences;
    }

    public Set<String> requiredClaims() {
        return requiredClaims;
    }

    public String userIdClaim() {
        return userIdClaim;
    }

    public boolean requireExpiry() {
        return requireExpiry;
    }

    public Duration clockSkew() {
        return clockSkew;
    }

    public Clock clock() {
        return clock;
    }

    @Override
    public String toString() {
        // Never the secret.
        return "JwtOptions{algorithms=" + algorithms + ", hmacSecret=" + (hmacSecret == null ? "none" : "set")
                + ", publicKeys=" + publicKeys.size() + ", jwksUri=" + jwksUri + ", issuer=" + issuer
                + ", audiences=" + audiences + ", requiredClaims=" + requiredClaims + ", userIdClaim=" + userIdClaim
                + ", requireExpiry=" + requireExpiry + ", clockSkew=" + clockSkew + "}";
    }

    /** Collects and checks the options; not thread-safe. */
    public static final class Builder {

        private final Set<JwtAlgorithm> algorithms = EnumSet.noneOf(JwtAlgorithm.class);
        private byte[] hmacSecret;
        private final List<PublicKey> publicKeys = new ArrayList<>();
        private URI jwksUri;
        private Duration jwksCacheTtl = DEFAULT_JWKS_CACHE_TTL;
        private Duration jwksMinRefreshInterval = DEFAULT_JWKS_MIN_REFRESH_INTERVAL;
        private Duration jwksTimeout = DEFAULT_JWKS_TIMEOUT;
        private String issuer;
        private final Set<String> audiences = new LinkedHashSet<>();
        private final Set<String> requiredClaims = new LinkedHashSet<>();
        private String userIdClaim = DEFAULT_USER_ID_CLAIM;
        private boolean requireExpiry = true;
        private Duration clockSkew = DEFAULT_CLOCK_SKEW;
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /** The algorithms to accept (replacing any set before); a token signed with any other is refused. */
        public Builder algorithms(JwtAlgorithm... v) {
            Objects.requireNonNull(v, "algorithms");
            return algorithms(Arrays.asList(v));
        }

        /** The algorithms to accept (replacing any set before); a token signed with any other is refused. */
        public Builder algorithms(Iterable<JwtAlgorithm> v) {
            Objects.requireNonNull(v, "algorithms");
            algorithms.clear();
            for (JwtAlgorithm a : v) {
                algorithms.add(Objects.requireNonNull(a, "algorithms must not contain null"));
            }
            return this;
        }

        /** The shared secret for HS256, at least 32 bytes (256 bits). The builder keeps a copy. */
        public Builder hmacSecret(byte[] v) {
            if (v != null && v.length < MIN_HMAC_SECRET_BYTES) {
                throw new IllegalArgumentException("hmacSecret must be at least " + MIN_HMAC_SECRET_BYTES
                        + " bytes (256 bits) for HS256, was " + v.length + " bytes");
            }
            hmacSecret = v == null ? null : v.clone();
            return this;
        }

        /** Adds a public key: RSA of at least 2048 bits for RS256, EC on P-256 for ES256. */
        public Builder publicKey(PublicKey v) {
            Objects.requireNonNull(v, "publicKey");
            if (v instanceof RSAPublicKey rsa) {
                int bits = rsa.getModulus().bitLength();
                if (bits < MIN_RSA_BITS) {
                    throw new IllegalArgumentException("publicKey: an RSA key must have at least " + MIN_RSA_BITS
                            + " bits, was " + bits);
                }
            } else if (v instanceof ECPublicKey ec) {
                int bits = ec.getParams().getCurve().getField().getFieldSize();
                if (bits != 256) {
                    throw new IllegalArgumentException("publicKey: an EC key must be on P-256 for ES256, was a "
                            + bits + "-bit curve");
                }
            } else {
                throw new IllegalArgumentException("publicKey must be an RSA or EC public key, was " + v.getAlgorithm());
            }
            publicKeys.add(v);
            return this;
        }

        /** The URL of a JWK set (RSA and EC keys), read off the event loop, cached and re-read on an unknown key id. */
        public Builder jwksUri(URI v) {
            if (v != null && !"http".equalsIgnoreCase(v.getScheme()) && !"https".equalsIgnoreCase(v.getScheme())) {
                throw new IllegalArgumentException("jwksUri must be an http or https URL, was " + v);
            }
            jwksUri = v;
            return this;
        }

        /** How long a JWK set read is used before it is read again; greater than jwksTimeout, at most 24 h. */
        public Builder jwksCacheTtl(Duration v) {
            jwksCacheTtl = OptionRange.between("jwksCacheTtl", v, Duration.ofSeconds(1), Duration.ofHours(24));
            return this;
        }

        /** At most two JWK set reads per this interval (a new key id forces one); 0: no limit; at most 1 h. */
        public Builder jwksMinRefreshInterval(Duration v) {
            jwksMinRefreshInterval = OptionRange.between("jwksMinRefreshInterval", v, Duration.ZERO, Duration.ofHours(1));
            return this;
        }

        /** Connect and read timeout of a JWK set read, 100 ms .. 1 min. */
        public Builder jwksTimeout(Duration v) {
            jwksTimeout = OptionRange.between("jwksTimeout", v, Duration.ofMillis(100), Duration.ofMinutes(1));
            return this;
        }

        /** The exact {@code iss} a token must carry; {@code null}: any. */
        public Builder issuer(String v) {
            if (v != null && v.isBlank()) {
                throw new IllegalArgumentException("issuer must not be blank, was '" + v + "'");
            }
            issuer = v;
            return this;
        }

        /** The audiences a token's {@code aud} must contain one of (replacing any set before); none: any. */
        public Builder audiences(String... v) {
            Objects.requireNonNull(v, "audiences");
            return audiences(Arrays.asList(v));
        }

        /** The audiences a token's {@code aud} must contain one of (replacing any set before); none: any. */
        public Builder audiences(Iterable<String> v) {
            audiences.clear();
            for (String a : Objects.requireNonNull(v, "audiences")) {
                if (a == null || a.isBlank()) {
                    throw new IllegalArgumentException("audiences must not contain a blank value, was '" + a + "'");
                }
                audiences.add(a);
            }
            return this;
        }

        /** Claims every token must carry (replacing any set before). */
        public Builder requiredClaims(String... v) {
            requiredClaims.clear();
            for (String c : Objects.requireNonNull(v, "requiredClaims")) {
                if (c == null || c.isBlank()) {
                    throw new IllegalArgumentException("requiredClaims must not contain a blank name, was '" + c + "'");
                }
                requiredClaims.add(c);
            }
            return this;
        }

        /** The string claim that names the user; default {@value #DEFAULT_USER_ID_CLAIM}. */
        public Builder userIdClaim(String v) {
            if (v == null || v.isBlank()) {
                throw new IllegalArgumentException("userIdClaim must be a claim name, was '" + v + "'");
            }
            userIdClaim = v;
            return this;
        }

        /** Whether a token must carry {@code exp}; default true. */
        public Builder requireExpiry(boolean v) {
            requireExpiry = v;
            return this;
        }

        /** Tolerance on {@code exp} and {@code nbf} for clocks that differ, 0 .. 10 min. */
        public Builder clockSkew(Duration v) {
            clockSkew = OptionRange.between("clockSkew", v, Duration.ZERO, Duration.ofMinutes(10));
            return this;
        }

        /** The clock tokens are checked against. */
        public Builder clock(Clock v) {
            clock = Objects.requireNonNull(v, "clock");
            return this;
        }

        /** Checks that every accepted algorithm has a key and every key an algorithm. */
        public JwtOptions build() {
            if (algorithms.isEmpty()) {
                throw new IllegalArgumentException("algorithms must name at least one of " + Arrays.toString(JwtAlgorithm.values())
                        + ", was empty: name the algorithms your token issuer signs with");
            }
            boolean rsa = publicKeys.stream().anyMatch(k -> k instanceof RSAPublicKey);
            boolean ec = publicKeys.stream().anyMatch(k -> k instanceof ECPublicKey);
            if (algorithms.contains(JwtAlgorithm.HS256) && hmacSecret == null) {
                throw new IllegalArgumentException("algorithms contains HS256 but hmacSecret is not set");
            }
            if (!algorithms.contains(JwtAlgorithm.HS256) && hmacSecret != null) {
                throw new IllegalArgumentException("hmacSecret is set but algorithms " + algorithms + " does not contain HS256");
            }
            if (algorithms.contains(JwtAlgorithm.RS256) && !rsa && jwksUri == null) {
                throw new IllegalArgumentException("algorithms contains RS256 but there is neither an RSA publicKey nor a jwksUri");
            }
            if (algorithms.contains(JwtAlgorithm.ES256) && !ec && jwksUri == null) {
                throw new IllegalArgumentException("algorithms contains ES256 but there is neither an EC publicKey nor a jwksUri");
            }
            if ((rsa && !algorithms.contains(JwtAlgorithm.RS256)) || (ec && !algorithms.contains(JwtAlgorithm.ES256))) {
                throw new IllegalArgumentException("publicKeys hold a key for an algorithm that algorithms " + algorithms
                        + " does not contain");
            }
            if (jwksUri != null && algorithms.equals(EnumSet.of(JwtAlgorithm.HS256))) {
                throw new IllegalArgumentException("jwksUri is set but algorithms " + algorithms
                        + " holds no public-key algorithm (RS256, ES256) to use it for");
            }
            if (jwksUri != null && jwksCacheTtl.compareTo(jwksTimeout) <= 0) {
                throw new IllegalArgumentException("jwksCacheTtl must be greater than jwksTimeout (" + jwksTimeout
                        + "), was " + jwksCacheTtl);
            }
            return new JwtOptions(this);
        }
    }
}
