package io.reactivewspool.server;

import java.util.ArrayList;
import java.util.List;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

/** The package rules that let a Spring adapter reuse the hub and keep implementations private. */
class ServerArchitectureTest {

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.reactivewspool");

    @Test
    void theHubDoesNotDependOnReactorNettyOrNetty() {
        noClasses().that().resideInAnyPackage("io.reactivewspool.server", "io.reactivewspool.internal.server",
                        "io.reactivewspool.broker")
                .should().dependOnClassesThat().resideInAnyPackage("reactor.netty..", "io.netty..")
                .check(CLASSES);
    }

    @Test
    void noPublicSignatureOfTheServerApiNamesAnInternalOrNettyType() {
        List<String> offenders = new ArrayList<>();
        for (JavaClass c : CLASSES) {
            String pkg = c.getPackageName();
            boolean api = pkg.equals("io.reactivewspool.server") || pkg.equals("io.reactivewspool.server.netty")
                    || pkg.equals("io.reactivewspool.broker");
            if (!api || !c.getModifiers().contains(JavaModifier.PUBLIC)) {
                continue;
            }
            for (JavaCodeUnit m : c.getCodeUnits()) {
                if (!m.getModifiers().contains(JavaModifier.PUBLIC)) {
                    continue;
                }
                List<JavaClass> types = new ArrayList<>(m.getRawParameterTypes());
                types.add(m.getRawReturnType());
                for (JavaClass t : types) {
                    String tp = t.getPackageName();
                    if (tp.startsWith("io.reactivewspool.internal") || tp.startsWith("io.netty")
                            || (tp.startsWith("reactor.netty") && !pkg.equals("io.reactivewspool.server.netty"))) {
                        offenders.add(m.getFullName() + " uses " + t.getName());
                    }
                }
            }
        }
        assertThat(offenders).isEmpty();
    }
}
