package io.reactivewspool.spring;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;

import io.reactivewspool.server.Authenticator;
import io.reactivewspool.server.jwt.JwtAlgorithm;
import io.reactivewspool.server.jwt.JwtAuthenticator;
import io.reactivewspool.server.jwt.JwtOptions;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.io.Resource;

/**
 * A {@link JwtAuthenticator} from {@code wspool.server.auth.jwt.*} when a key is set
 * ({@code hmac-secret}, {@code public-key-location} or {@code jwks-uri}), nimbus-jose-jwt is on
 * the class path and the application declares no {@link Authenticator} of its own. A bad value
 * stops startup with a message naming the property.
 *
 * <pre>{@code
 * wspool.server.auth.jwt.jwks-uri=https://idp.example.com/.well-known/jwks.json
 * wspool.server.auth.jwt.issuer=https://idp.example.com/
 * wspool.server.auth.jwt.audiences=chat
 * }</pre>
 */
@AutoConfiguration(before = WsPoolAutoConfiguration.class)
@ConditionalOnClass(name = "com.nimbusds.jwt.SignedJWT")
@ConditionalOnExpression("'${wspool.server.auth.jwt.hmac-secret:}' != '' or '${wspool.server.auth.jwt.public-key-location:}' != ''"
        + " or '${wspool.server.auth.jwt.jwks-uri:}' != ''")
@EnableConfigurationProperties(WsPoolProperties.class)
public class WsJwtAutoConfiguration {

    private static final String PREFIX = "wspool.server.auth.jwt";

    @Bean
    @ConditionalOnMissingBean(Authenticator.class)
    JwtAuthenticator wsJwtAuthenticator(WsPoolProperties properties) {
        WsPoolProperties.Jwt jwt = properties.getServer().getAuth().getJwt();
        try {
            return JwtAuthenticator.of(options(jwt));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(PREFIX + ": " + e.getMessage(), e);
        }
    }

    static JwtOptions options(WsPoolProperties.Jwt jwt) {
        JwtOptions.Builder b = JwtOptions.builder();
        Set<JwtAlgorithm> implied = EnumSet.noneOf(JwtAlgorithm.class);
        if (jwt.getHmacSecret() != null && !jwt.getHmacSecret().isEmpty()) {
            b.hmacSecret(jwt.getHmacSecret().getBytes(StandardCharsets.UTF_8));
            implied.add(JwtAlgorithm.HS256);
        }
        if (jwt.getPublicKeyLocation() != null) {
            PublicKey key = publicKey(jwt.getPublicKeyLocation());
            b.publicKey(key);
            implied.add(key instanceof ECPublicKey ? JwtAlgorithm.ES256 : JwtAlgorithm.RS256);
        }
        if (jwt.getJwksUri() != null) {
            b.jwksUri(jwt.getJwksUri());
            implied.add(JwtAlgorithm.RS256);
        }
        b.algorithms(jwt.getAlgorithms().isEmpty() ? implied : jwt.getAlgorithms());
        if (jwt.getJwksCacheTtl() != null) {
            b.jwksCacheTtl(jwt.getJwksCacheTtl());
        }
        b.issuer(jwt.getIssuer()).audiences(jwt.getAudiences()).requiredClaims(jwt.getRequiredClaims().toArray(String[]::new));
        if (jwt.getUserIdClaim() != null) {
            b.userIdClaim(jwt.getUserIdClaim());
        }
        if (jwt.getRequireExpiry() != null) {
            b.requireExpiry(jwt.getRequireExpiry());
        }
        if (jwt.getClockSkew() != null) {
            b.clockSkew(jwt.getClockSkew());
        }
        return b.build();
    }

    /** An RSA or EC public key from a PEM file ({@code -----BEGIN PUBLIC KEY-----}, X.509 SubjectPublicKeyInfo). */
    static PublicKey publicKey(Resource location) {
        String pem;
        try (InputStream in = location.getInputStream()) {
            pem = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException("public-key-location cannot be read: " + location + " (" + e.getMessage() + ")", e);
        }
        String base64 = pem.replaceAll("-----(BEGIN|END) PUBLIC KEY-----", "").replaceAll("\\s", "");
        byte[] der;
        try {
            der = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("public-key-location must hold a PEM public key (-----BEGIN PUBLIC KEY-----), was " + location, e);
        }
        for (String algorithm : new String[] {"RSA", "EC"}) {
            try {
                PublicKey key = KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
                if (key instanceof RSAPublicKey || key instanceof ECPublicKey) {
                    return key;
                }
            } catch (GeneralSecurityException notThisType) {
                // try the next key type
            }
        }
        throw new IllegalArgumentException("public-key-location must hold an RSA or EC public key, was " + location);
    }
}
