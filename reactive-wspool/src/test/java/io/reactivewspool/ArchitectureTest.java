package io.reactivewspool;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

/** The package rules of STYLE.md, held by the build rather than by review. */
class ArchitectureTest {

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.reactivewspool");

    @Test
    void publicApiNeverNamesAnInternalType() {
        List<String> leaks = new ArrayList<>();
        for (JavaClass c : MAIN) {
            if (isInternal(c) || !c.getModifiers().contains(JavaModifier.PUBLIC)) {
                continue;
            }
            for (JavaCodeUnit unit : c.getCodeUnits()) {
                if (!unit.getModifiers().contains(JavaModifier.PUBLIC) && !unit.getModifiers().contains(JavaModifier.PROTECTED)) {
                    continue;
                }
                Set<JavaClass> named = new java.util.HashSet<>(unit.getParameterTypes().stream()
                        .flatMap(t -> t.getAllInvolvedRawTypes().stream()).collect(Collectors.toSet()));
                named.addAll(unit.getReturnType().getAllInvolvedRawTypes());
                named.stream().filter(ArchitectureTest::isInternal)
                        .forEach(t -> leaks.add(unit.getFullName() + " names " + t.getName()));
            }
            for (JavaField f : c.getFields()) {
                if (f.getModifiers().contains(JavaModifier.PUBLIC)) {
                    f.getType().getAllInvolvedRawTypes().stream().filter(ArchitectureTest::isInternal)
                            .forEach(t -> leaks.add(f.getFullName() + " names " + t.getName()));
                }
            }
            c.getRawSuperclass().filter(ArchitectureTest::isInternal)
                    .ifPresent(t -> leaks.add(c.getName() + " extends " + t.getName()));
        }
        assertThat(leaks).as("public signatures that name internal types").isEmpty();
    }

    @Test
    void hubCoreDoesNotDependOnReactorNetty() {
        noClasses().that().resideInAnyPackage("io.reactivewspool.server", "io.reactivewspool.message",
                        "io.reactivewspool.broker", "io.reactivewspool.history")
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
    void noManagerHelperOrUtilNames() {
        List<String> bad = MAIN.stream().map(JavaClass::getSimpleName)
                .filter(n -> n.endsWith("Manager") || n.endsWith("Helper") || n.endsWith("Util") || n.endsWith("Utils"))
                .toList();
        assertThat(bad).isEmpty();
    }

    private static boolean isInternal(JavaClass c) {
        return c.getPackageName().startsWith("io.reactivewspool.internal");
    }
}
