package io.reactivewspool;

import java.util.List;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.reactivewspool.test.PackageRules;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The package rules of STYLE.md for the core module, held by the build rather than by review:
 * those of every module ({@link PackageRules}) and the core's own. The Spring module holds the
 * same common rules, and its own boundary, in {@code SpringArchitectureTest}.
 */
class ArchitectureTest extends PackageRules {

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.reactivewspool");

    ArchitectureTest() {
        super(MAIN);
    }

    /** The packages whose API a Spring adapter or another engine reuses without Netty. */
    private static final String[] ENGINE_NEUTRAL = {"io.reactivewspool.server", "io.reactivewspool.internal.server",
            "io.reactivewspool.message", "io.reactivewspool.broker", "io.reactivewspool.history"};

    @Test
    void serverAndBrokerApiNameNettyOnlyInTheReactorNettyCustomizerOfServerNetty() {
        List<String> leaks = PackageRules.signatureLeaks(MAIN,
                c -> PackageRules.isPublicApi(c) && (c.getPackageName().equals("io.reactivewspool.server")
                        || c.getPackageName().equals("io.reactivewspool.broker")),
                t -> t.getPackageName().startsWith("io.netty") || t.getPackageName().startsWith("reactor.netty"));
        // server.netty may name Reactor Netty, and Netty's SslContext, which Reactor Netty's own TLS API takes.
        leaks.addAll(PackageRules.signatureLeaks(MAIN,
                c -> PackageRules.isPublicApi(c) && c.getPackageName().equals("io.reactivewspool.server.netty"),
                t -> t.getPackageName().startsWith("io.netty") && !t.getPackageName().equals("io.netty.handler.ssl")));
        assertThat(leaks).as("public server signatures that name Netty types").isEmpty();
    }

    @Test
    void hubCoreDoesNotDependOnReactorNettyOrNetty() {
        noClasses().that().resideInAnyPackage(ENGINE_NEUTRAL)
                .should().dependOnClassesThat().resideInAnyPackage("reactor.netty..", "io.netty..")
                .because("the Spring adapter reuses the hub over WebFlux's WebSocketSession")
                .check(MAIN);
    }

    @Test
    void onlyTheRedisPackagesUseLettuce() {
        noClasses().that().resideOutsideOfPackages("io.reactivewspool.broker.redis..", "io.reactivewspool.internal.redis..")
                .should().dependOnClassesThat().resideInAPackage("io.lettuce..")
                .because("Lettuce is an optional dependency")
                .check(MAIN);
    }

    @Test
    void onlyTheJwtPackagesUseNimbus() {
        noClasses().that().resideOutsideOfPackages("io.reactivewspool.server.jwt..", "io.reactivewspool.internal.jwt..")
                .should().dependOnClassesThat().resideInAPackage("com.nimbusds..")
                .because("nimbus-jose-jwt is an optional dependency")
                .check(MAIN);
    }

    @Test
    void theRulesSeeTheWholeModule() {
        assertThat(MAIN.stream().map(JavaClass::getPackageName))
                .contains("io.reactivewspool.server", "io.reactivewspool.internal.server", "io.reactivewspool.client");
    }
}
