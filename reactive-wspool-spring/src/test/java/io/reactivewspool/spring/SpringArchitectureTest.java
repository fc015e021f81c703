package io.reactivewspool.spring;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.reactivewspool.test.PackageRules;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Spring module's package rules: it is a user of the core like any other, so it reaches the
 * core through its public packages only; its own implementation stays in {@code spring.internal},
 * which no public signature names (the rules of every module, from {@link PackageRules}).
 */
class SpringArchitectureTest extends PackageRules {

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
            .importPackages("io.reactivewspool.spring");

    SpringArchitectureTest() {
        super(MAIN);
    }

    @Test
    void theStarterUsesOnlyThePublicApiOfTheCore() {
        noClasses().that().resideInAPackage("io.reactivewspool.spring..")
                .should().dependOnClassesThat().resideInAPackage("io.reactivewspool.internal..")
                .because("the core's internal packages may change in any release")
                .check(MAIN);
    }

    @Test
    void theRulesSeeTheWholeModule() {
        assertThat(MAIN.stream().map(JavaClass::getPackageName))
                .contains("io.reactivewspool.spring", "io.reactivewspool.spring.internal")
                .allMatch(p -> p.startsWith("io.reactivewspool.spring"));
    }
}
