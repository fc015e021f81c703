package io.reactivewspool.server.jwt;

import java.net.URI;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Bad JWT options are refused at once, naming the field, the value and the range. */
class JwtOptionsTest {

    private static final byte[] SECRET = new byte[32];

    @Test
    void setterErrorsNameTheFieldTheValueAndTheRange() throws Exception {
        JwtOptions.Builder b = JwtOptions.builder();
        assertThatThrownBy(() -> b.hmacSecret(new byte[16]))
                .hasMessage("hmacSecret must be at least 32 bytes (256 bits) for HS256, was 16 bytes");
        assertThatThrownBy(() -> b.clockSkew(Duration.ofMinutes(11)))
                .hasMessage("clockSkew must be between 0 and PT10M, was PT11M");
        assertThatThrownBy(() -> b.jwksTimeout(Duration.ofMillis(10)))
                .hasMessage("jwksTimeout must be between PT0.1S and PT1M, was PT0.01S");
        assertThatThrownBy(() -> b.jwksUri(URI.create("file:/etc/jwks.json")))
                .hasMessage("jwksUri must be an http or https URL, was file:/etc/jwks.json");
        assertThatThrownBy(() -> b.userIdClaim(" ")).hasMessage("userIdClaim must be a claim name, was ' '");
        KeyPairGenerator small = KeyPairGenerator.getInstance("RSA");
        small.initialize(1024);
        PublicKey weak = small.generateKeyPair().getPublic();
        assertThatThrownBy(() -> b.publicKey(weak)).hasMessage("publicKey: an RSA key must have at least 2048 bits, was 1024");
    }

    @Test
    void buildChecksThatEveryAlgorithmHasAKeyAndEveryKeyAnAlgorithm() {
        assertThatThrownBy(() -> JwtOptions.builder().build()).hasMessageStartingWith("algorithms must name at least one of");
        assertThatThrownBy(() -> JwtOptions.builder().algorithms(JwtAlgorithm.HS256).build())
                .hasMessage("algorithms contains HS256 but hmacSecret is not set");
        assertThatThrownBy(() -> JwtOptions.builder().algorithms(JwtAlgorithm.ES256).hmacSecret(SECRET).build())
                .hasMessage("hmacSecret is set but algorithms [ES256] does not contain HS256");
        assertThatThrownBy(() -> JwtOptions.builder().algorithms(JwtAlgorithm.RS256).build())
                .hasMessage("algorithms contains RS256 but there is neither an RSA publicKey nor a jwksUri");
        assertThatThrownBy(() -> JwtOptions.builder().algorithms(JwtAlgorithm.RS256).jwksUri(URI.create("http://idp/jwks"))
                .jwksTimeout(Duration.ofSeconds(30)).jwksCacheTtl(Duration.ofSeconds(10)).build())
                .hasMessage("jwksCacheTtl must be greater than jwksTimeout (PT30S), was PT10S");
    }

    @Test
    void optionsAreImmutableAndNeverPrintTheSecret() {
        byte[] secret = "0123456789abcdef0123456789abcdef".getBytes();
        JwtOptions o = JwtOptions.builder().algorithms(JwtAlgorithm.HS256).hmacSecret(secret).audiences("chat").build();
        secret[0] = 'X';
        o.hmacSecret()[1] = 'Y';
        assertThat(new String(o.hmacSecret())).isEqualTo("0123456789abcdef0123456789abcdef");
        assertThat(o.toString()).doesNotContain("0123456789abcdef").contains("hmacSecret=set");
        assertThat(o.mutate().audiences("billing").build().audiences()).containsExactly("billing");
        assertThat(o.audiences()).containsExactly("chat");
        assertThat(o.clockSkew()).isEqualTo(JwtOptions.DEFAULT_CLOCK_SKEW);
    }
}
