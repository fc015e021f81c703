package io.reactivewspool.server.jwt;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.test.HubFixture;
import io.reactivewspool.test.LogCapture;
import io.reactivewspool.test.ReactorNettyTestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link JwtAuthenticator} with real signed tokens (an HMAC secret, RSA 2048 and EC P-256 keys
 * generated here) through real loopback upgrades: each bad token gets 401 and the hub's
 * {@code upgrade refused} log line names what is wrong; a JWKS served over loopback HTTP is read
 * again when a token names a new key; a token's {@code exp} closes the connection with 4002 unless
 * a {@code refresh} replaced it. BlockHound runs throughout (the JWKS is read off the event loop).
 */
class JwtAuthenticatorIT {

    private static final String ISSUER = "https://idp.test/";
    private static final String AUDIENCE = "chat";
    private static final String HUB_LOGGER = "io.reactivewspool.server.WsHub";

    private static byte[] secret;
    private static KeyPair rsa;
    private static KeyPair rsaOther;
    private static KeyPair ec;

    private HubFixture hub;
    private DisposableServer jwksServer;
    private LogCapture log;

    @BeforeAll
    static void keys() throws Exception {
        secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        KeyPairGenerator r = KeyPairGenerator.getInstance("RSA");
        r.initialize(2048);
        rsa = r.generateKeyPair();
        rsaOther = r.generateKeyPair();
        KeyPairGenerator e = KeyPairGenerator.getInstance("EC");
        e.initialize(new ECGenParameterSpec("secp256r1"));
        ec = e.generateKeyPair();
    }

    @BeforeEach
    void captureHubLog() {
        log = LogCapture.of(HUB_LOGGER);
    }

    @AfterEach
    void stop() {
        if (hub != null) {
            hub.close();
        }
        if (jwksServer != null) {
            jwksServer.disposeNow();
        }
        log.close();
    }

    private static JwtOptions.Builder inline() {
        return JwtOptions.builder()
                .algorithms(JwtAlgorithm.HS256, JwtAlgorithm.RS256, JwtAlgorithm.ES256)
                .hmacSecret(secret)
                .publicKey(rsa.getPublic())
                .publicKey(ec.getPublic())
                .issuer(ISSUER)
                .audiences(AUDIENCE)
                .clockSkew(Duration.ZERO);
    }

    private HubFixture start(JwtOptions options) {
        hub = HubFixture.start(WsHubOptions.builder().authenticator(JwtAuthenticator.of(options))
                .closeDrainPeriod(Duration.ZERO).build());
        return hub;
    }

    private static JWTClaimsSet.Builder claims(String user) {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder().subject(user).issuer(ISSUER).audience(AUDIENCE)
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(3600)));
    }

    private static String sign(JWSAlgorithm alg, JWSSigner signer, String kid, JWTClaimsSet claims) throws JOSEException {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(kid).build(), claims);
        jwt.sign(signer);
        return jwt.serialize();
    }

    private static String hs256(JWTClaimsSet claims) throws JOSEException {
        return sign(JWSAlgorithm.HS256, new MACSigner(secret), null, claims);
    }

    private static String rs256(KeyPair keys, String kid, JWTClaimsSet claims) throws JOSEException {
        return sign(JWSAlgorithm.RS256, new RSASSASigner(keys.getPrivate()), kid, claims);
    }

    private static String es256(JWTClaimsSet claims) throws JOSEException {
        return sign(JWSAlgorithm.ES256, new ECDSASigner((ECPrivateKey) ec.getPrivate()), null, claims);
    }

    private int upgrade(String token) {
        return ReactorNettyTestClient.start(hub.wsUrl() + "?token=" + token, Map.of()).handshakeStatus();
    }

    private String userOf(String token) {
        ReactorNettyTestClient c = ReactorNettyTestClient.connect(hub.wsUrl(), Map.of("Authorization", "Bearer " + token));
        try {
            return c.welcome().data().get("user_id").asString();
        } finally {
            c.close();
        }
    }

    /** The status of the upgrade with {@code token} is 401 and the hub logs the refusal with {@code reason}. */
    private void refusedWith(String token, String reason) {
        assertThat(upgrade(token)).isEqualTo(401);
        String line = "upgrade refused status=401 reason=\"" + reason;
        await().atMost(ReactorNettyTestClient.WAIT).until(() -> log.lines().stream().anyMatch(l -> l.startsWith(line)));
        assertThat(log.lines()).noneMatch(l -> l.contains(token));
    }

    @Test
    void validTokensOfEachAlgorithmAreAcceptedAsTheirSubject() throws Exception {
        start(inline().build());
        assertThat(userOf(hs256(claims("alice").build()))).isEqualTo("alice");
        assertThat(userOf(rs256(rsa, null, claims("bob").build()))).isEqualTo("bob");
        assertThat(userOf(es256(claims("carol").build()))).isEqualTo("carol");
        assertThat(hub.hub().admin().stats().rejectedConnections()).isZero();
    }

    @Test
    void expiredTokenIsRefusedWith401AndLogged() throws Exception {
        start(inline().build());
        Instant past = Instant.now().minusSeconds(30);
        refusedWith(rs256(rsa, null, claims("alice").expirationTime(Date.from(past)).build()), "token expired");
    }

    @Test
    void tokenExpiredWithinTheClockSkewIsStillAccepted() throws Exception {
        start(inline().clockSkew(Duration.ofSeconds(60)).build());
        Instant past = Instant.now().minusSeconds(30);
        assertThat(userOf(rs256(rsa, null, claims("alice").expirationTime(Date.from(past)).build()))).isEqualTo("alice");
    }

    @Test
    void tokenNotYetValidIsRefusedWith401AndLogged() throws Exception {
        start(inline().build());
        Instant later = Instant.now().plusSeconds(600);
        refusedWith(es256(claims("alice").notBeforeTime(Date.from(later)).build()), "token not yet valid");
    }

    @Test
    void wrongAudienceIsRefusedWith401AndLogged() throws Exception {
        start(inline().build());
        refusedWith(hs256(claims("alice").audience("billing").build()), "token audience not accepted");
    }

    @Test
    void wrongIssuerIsRefusedWith401AndLogged() throws Exception {
        start(inline().build());
        refusedWith(hs256(claims("alice").issuer("https://evil.test/").build()), "token issuer not accepted");
    }

    @Test
    void tokenSignedWithAnotherKeyIsRefusedWith401AndLogged() throws Exception {
        start(inline().build());
        refusedWith(rs256(rsaOther, null, claims("alice").build()), "token signature invalid");
        byte[] otherSecret = new byte[32];
        new SecureRandom().nextBytes(otherSecret);
        log.close();
        log = LogCapture.of(HUB_LOGGER);
        refusedWith(sign(JWSAlgorithm.HS256, new MACSigner(otherSecret), null, claims("alice").build()), "token signature invalid");
    }

    @Test
    void unsignedTokenWithAlgNoneIsRefusedWith401AndLogged() {
        start(inline().build());
        refusedWith(new PlainJWT(claims("alice").build()).serialize(), "token algorithm 'none' not accepted");
    }

    @Test
    void algorithmConfusionWithThePublicKeyAsHmacSecretIsRefused() throws Exception {
        // Only RS256 is configured: an HS256 token "signed" with the RSA public key's bytes.
        start(JwtOptions.builder().algorithms(JwtAlgorithm.RS256).publicKey(rsa.getPublic())
                .issuer(ISSUER).audiences(AUDIENCE).build());
        String forged = sign(JWSAlgorithm.HS256, new MACSigner(rsa.getPublic().getEncoded()), null, claims("admin").build());
        refusedWith(forged, "token algorithm 'HS256' not accepted");
    }

    @Test
    void missingRequiredClaimAndMalformedTokensAreRefusedWith401AndLogged() throws Exception {
        start(inline().requiredClaims("tenant").build());
        refusedWith(hs256(claims("alice").build()), "token lacks required claim 'tenant'");
        assertThat(userOf(hs256(claims("alice").claim("tenant", "t1").build()))).isEqualTo("alice");
        refusedWith("not-a-jwt", "token malformed");
    }

    @Test
    void keysFromAJwksUrlAreCachedAndReadAgainWhenATokenNamesANewKey() throws Exception {
        RSAKey first = new RSAKey.Builder((RSAPublicKey) rsa.getPublic()).keyID("k1").build();
        RSAKey second = new RSAKey.Builder((RSAPublicKey) rsaOther.getPublic()).keyID("k2").build();
        AtomicReference<String> served = new AtomicReference<>(new JWKSet(first).toString());
        AtomicInteger reads = new AtomicInteger();
        jwksServer = HttpServer.create().host("127.0.0.1").port(0)
                .route(r -> r.get("/jwks.json", (req, res) -> {
                    reads.incrementAndGet();
                    return res.header("Content-Type", "application/json")
                            .sendString(Mono.fromSupplier(served::get), StandardCharsets.UTF_8);
                }))
                .bindNow();
        URI jwks = URI.create("http://127.0.0.1:" + jwksServer.port() + "/jwks.json");
        start(JwtOptions.builder().algorithms(JwtAlgorithm.RS256).jwksUri(jwks).issuer(ISSUER).audiences(AUDIENCE).build());

        assertThat(userOf(rs256(rsa, "k1", claims("alice").build()))).isEqualTo("alice");
        assertThat(userOf(rs256(rsa, "k1", claims("bob").build()))).isEqualTo("bob");
        assertThat(reads.get()).as("the key set is read once and cached").isEqualTo(1);

        // The issuer rotates to k2: the first token naming k2 makes the authenticator read the set again.
        served.set(new JWKSet(List.of(second)).toString());
        assertThat(userOf(rs256(rsaOther, "k2", claims("carol").build()))).isEqualTo("carol");
        assertThat(reads.get()).isEqualTo(2);
        assertThat(userOf(rs256(rsaOther, "k2", claims("dave").build()))).isEqualTo("dave");
        assertThat(reads.get()).as("the rotated set is cached too").isEqualTo(2);
        // A token signed with the new key but naming the old id fails its signature check.
        refusedWith(rs256(rsaOther, "k1", claims("eve").build()), "token");
    }

    @Test
    void unreachableJwksRefusesWith401AndSaysTheKeysAreUnavailable() throws Exception {
        jwksServer = HttpServer.create().host("127.0.0.1").port(0)
                .route(r -> r.get("/jwks.json", (req, res) -> res.status(500).send())).bindNow();
        URI jwks = URI.create("http://127.0.0.1:" + jwksServer.port() + "/jwks.json");
        start(JwtOptions.builder().algorithms(JwtAlgorithm.RS256).jwksUri(jwks).build());
        refusedWith(rs256(rsa, "k1", claims("alice").build()), "token signing keys unavailable");
    }

    @Test
    void tokenExpiryClosesTheConnectionWith4002() throws Exception {
        start(inline().build());
        String token = hs256(claims("alice").expirationTime(Date.from(Instant.now().plusSeconds(2))).build());
        ReactorNettyTestClient c = ReactorNettyTestClient.connect(hub.wsUrl() + "?token=" + token);
        try {
            c.welcome();
            assertThat(c.awaitCloseCode()).isEqualTo(4002);
            await().atMost(ReactorNettyTestClient.WAIT).until(() -> log.lines().stream()
                    .anyMatch(l -> l.startsWith("credentials expired conn=") && l.contains("user=alice code=4002")));
        } finally {
            c.close();
        }
    }

    @Test
    void refreshWithANewTokenInTimeKeepsTheConnectionOpen() throws Exception {
        start(inline().build());
        Instant shortExpiry = Instant.now().plusSeconds(2);
        String token = hs256(claims("alice").expirationTime(Date.from(shortExpiry)).build());
        ReactorNettyTestClient c = ReactorNettyTestClient.connect(hub.wsUrl() + "?token=" + token);
        try {
            c.welcome();
            // A token for another user and a token with a bad signature are refused, naming why.
            c.send(WsMessage.builder(WsMessage.REFRESH).id("x").data(Map.of("token", hs256(claims("mallory").build()))).build());
            assertThat(c.next().error()).contains("refresh refused: the token is for another user");
            c.send(WsMessage.builder(WsMessage.REFRESH).id("y").data(Map.of("token", rs256(rsaOther, null, claims("alice").build()))).build());
            assertThat(c.next().error()).contains("refresh refused: token signature invalid");
            String renewed = es256(claims("alice").build());
            c.send(WsMessage.builder(WsMessage.REFRESH).id("r").data(Map.of("token", renewed)).build());
            WsMessage r = c.next();
            assertThat(r.type()).isEqualTo(WsMessage.REFRESHED);
            assertThat(r.id()).isEqualTo("r");
            await().atMost(ReactorNettyTestClient.WAIT).until(() -> Instant.now().isAfter(shortExpiry.plusSeconds(1)));
            c.send(WsMessage.ping().withId("p"));
            assertThat(c.next().type()).isEqualTo("pong");
            assertThat(c.isClosed()).isFalse();
            assertThat(log.lines()).anyMatch(l -> l.startsWith("credentials refreshed conn=") && l.contains("user=alice"));
            assertThat(log.lines()).noneMatch(l -> l.contains(renewed) || l.contains(token));
        } finally {
            c.close();
        }
    }
}
