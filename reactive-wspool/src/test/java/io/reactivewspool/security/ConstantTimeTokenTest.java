package io.reactivewspool.security;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import io.reactivewspool.server.AdminAuthenticator;
import io.reactivewspool.server.Authenticator;
import io.reactivewspool.server.HandshakeInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The built-in token checks compare in constant time. Asserted on the bytecode, not with a
 * stopwatch: the code that compares a presented token ({@link AdminAuthenticator#bearer} and
 * {@link Authenticator#tokens}, lambdas included) calls {@code MessageDigest.isEqual} and none of
 * the early-exit comparisons ({@code String.equals}, {@code Arrays.equals}, a map lookup keyed by
 * the token, which ends in {@code String.equals}).
 */
class ConstantTimeTokenTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private static final Set<String> EARLY_EXIT = Set.of(
            "java.lang.String.equals", "java.lang.String.equalsIgnoreCase", "java.lang.String.contentEquals",
            "java.lang.String.compareTo", "java.lang.String.startsWith", "java.lang.String.hashCode",
            "java.util.Arrays.equals", "java.util.Objects.equals",
            "java.util.Map.get", "java.util.Map.containsKey", "java.util.Map.getOrDefault");

    private static Set<String> callsFrom(Class<?> type) {
        JavaClass c = new ClassFileImporter().importClasses(type).get(type);
        return c.getMethodCallsFromSelf().stream()
                .map(JavaMethodCall::getTarget)
                .map(t -> t.getOwner().getName() + "." + t.getName())
                .collect(Collectors.toSet());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(classes = {AdminAuthenticator.class, Authenticator.class})
    void tokenComparisonUsesMessageDigestIsEqualAndNoEarlyExitComparison(Class<?> type) {
        Set<String> calls = callsFrom(type);
        assertThat(calls).contains("java.security.MessageDigest.isEqual");
        assertThat(calls).doesNotContainAnyElementsOf(EARLY_EXIT);
    }

    private static HandshakeInfo bearer(String token) {
        return new HandshakeInfo("/api", Map.of("Authorization", List.of("Bearer " + token)), Map.of(), null, null);
    }

    /** Tokens that share a prefix, a suffix or all but the length with the right one are all refused. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"S3CRET-TOKE", "S3CRET-TOKEN-", "S3CRET-TOKEM", "s3cret-token", "X3CRET-TOKEN",
        "S3CRET-TOKÉN"})
    void nearMissTokensAreRefused(String presented) {
        assertThat(AdminAuthenticator.bearer("S3CRET-TOKEN").isAdmin(bearer(presented))).isFalse();
        assertThat(Authenticator.tokens(Map.of("S3CRET-TOKEN", "alice")).authenticate(presented, null).blockOptional()).isEmpty();
        assertThat(AdminAuthenticator.bearer("S3CRET-TOKEN").isAdmin(bearer("S3CRET-TOKEN"))).isTrue();
        assertThat(Authenticator.tokens(Map.of("S3CRET-TOKEN", "alice")).authenticate("S3CRET-TOKEN", null).block(TIMEOUT)).isEqualTo("alice");
    }
}
