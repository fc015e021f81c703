package io.reactivewspool.spring;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Date;
import java.util.Map;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.reactivewspool.server.AuthenticatedUser;
import io.reactivewspool.server.Authenticator;
import io.reactivewspool.server.HandshakeInfo;
import io.reactivewspool.server.WsAuthenticationException;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.server.jwt.JwtAlgorithm;
import io.reactivewspool.server.jwt.JwtAuthenticator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code wspool.server.auth.jwt.*} creates the hub's JWT authenticator; real signed tokens check it. */
class WsJwtAutoConfigurationTest {

    private static final String SECRET = "0123456789abcdef0123456789abcdef-test-secret";
    private static final HandshakeInfo HANDSHAKE = new HandshakeInfo("/ws", Map.of(), Map.of(), null, null);

    private final ReactiveWebApplicationContextRunner runner = new ReactiveWebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(WsJwtAutoConfiguration.class, WsBrokerAutoConfiguration.class,
                    WsPoolAutoConfiguration.class));

    private static String sign(JWSAlgorithm alg, JWSSigner signer, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader(alg), claims);
        jwt.sign(signer);
        return jwt.serialize();
    }

    private static JWTClaimsSet.Builder claims(Instant exp) {
        return new JWTClaimsSet.Builder().subject("alice").issuer("https://idp.test/").audience("chat")
                .expirationTime(Date.from(exp));
    }

    @Test
    void hmacSecretPropertiesCreateTheHubsJwtAuthenticator() throws Exception {
        runner.withPropertyValues("wspool.server.auth.jwt.hmac-secret=" + SECRET,
                        "wspool.server.auth.jwt.issuer=https://idp.test/", "wspool.server.auth.jwt.audiences=chat",
                        "wspool.server.auth.jwt.clock-skew=5s")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed().hasSingleBean(JwtAuthenticator.class);
                    JwtAuthenticator jwt = ctx.getBean(JwtAuthenticator.class);
                    assertThat(jwt.options().algorithms()).containsExactly(JwtAlgorithm.HS256);
                    assertThat(jwt.options().clockSkew()).isEqualTo(Duration.ofSeconds(5));
                    Authenticator hubs = ctx.getBean(WsHubOptions.class).authenticator();
                    Instant exp = Instant.now().plusSeconds(600).truncatedTo(ChronoUnit.SECONDS);
                    AuthenticatedUser user = hubs.authenticateUser(sign(JWSAlgorithm.HS256,
                            new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)), claims(exp).build()), HANDSHAKE)
                            .block(Duration.ofSeconds(10));
                    assertThat(user).isEqualTo(AuthenticatedUser.until("alice", exp.plusSeconds(5)));
                    String wrongAudience = sign(JWSAlgorithm.HS256, new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)),
                            claims(exp).audience("billing").build());
                    assertThatThrownBy(() -> hubs.authenticateUser(wrongAudience, HANDSHAKE).block(Duration.ofSeconds(10)))
                            .isInstanceOf(WsAuthenticationException.class).hasMessage("token audience not accepted");
                });
    }

    @Test
    void publicKeyLocationWithAnEcKeyAcceptsEs256(@TempDir Path dir) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair keys = g.generateKeyPair();
        Path pem = dir.resolve("jwt.pem");
        Files.writeString(pem, "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(keys.getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n");
        runner.withPropertyValues("wspool.server.auth.jwt.public-key-location=file:" + pem)
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    assertThat(ctx.getBean(JwtAuthenticator.class).options().algorithms()).containsExactly(JwtAlgorithm.ES256);
                    String token = sign(JWSAlgorithm.ES256, new ECDSASigner((ECPrivateKey) keys.getPrivate()),
                            claims(Instant.now().plusSeconds(600)).build());
                    assertThat(ctx.getBean(WsHubOptions.class).authenticator().authenticate(token, HANDSHAKE)
                            .block(Duration.ofSeconds(10))).isEqualTo("alice");
                });
    }

    @Test
    void aBadValueStopsStartupNamingTheProperty() {
        runner.withPropertyValues("wspool.server.auth.jwt.hmac-secret=too-short")
                .run(ctx -> assertThat(ctx).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("hmacSecret must be at least 32 bytes"));
        runner.withPropertyValues("wspool.server.auth.jwt.hmac-secret=" + SECRET, "wspool.server.auth.jwt.algorithms=RS256")
                .run(ctx -> assertThat(ctx).hasFailed().getFailure()
                        .hasStackTraceContaining("wspool.server.auth.jwt: hmacSecret is set but algorithms [RS256] does not contain HS256"));
    }

    @Test
    void noJwtAuthenticatorWithoutAKeyWithoutNimbusOrBesideTheApplicationsOwn() {
        runner.run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(JwtAuthenticator.class));
        runner.withPropertyValues("wspool.server.auth.jwt.hmac-secret=" + SECRET)
                .withClassLoader(new FilteredClassLoader("com.nimbusds"))
                .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(JwtAuthenticator.class));
        runner.withPropertyValues("wspool.server.auth.jwt.hmac-secret=" + SECRET)
                .withBean(Authenticator.class, () -> (token, hs) -> Mono.just("own"))
                .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(JwtAuthenticator.class));
    }
}
