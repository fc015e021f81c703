package io.reactivewspool.test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaModifier;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The package rules of STYLE.md that hold in every module: no public signature names an
 * {@code internal} type, and no class is named Manager, Helper or Util. Each module's ArchUnit
 * test extends this class (so it runs these rules on its own classes) and adds its own rules,
 * using the scans below.
 *
 * <pre>{@code
 * class SpringArchitectureTest extends PackageRules {
 *     SpringArchitectureTest() { super(new ClassFileImporter().importPackages("io.reactivewspool.spring")); }
 * }
 * }</pre>
 */
public abstract class PackageRules {

    /** The module's main classes. */
    protected final JavaClasses main;

    protected PackageRules(JavaClasses main) {
        this.main = main;
    }

    @Test
    protected void publicApiNeverNamesAnInternalType() {
        assertThat(signatureLeaks(main, PackageRules::isPublicApi, PackageRules::isInternal))
                .as("public signatures that name internal types").isEmpty();
    }

    @Test
    protected void noManagerHelperOrUtilNames() {
        assertThat(vagueNames(main)).isEmpty();
    }

    /** A class in an {@code internal} package of the core ({@code io.reactivewspool.internal..}) or of a module ({@code ..spring.internal..}). */
    public static boolean isInternal(JavaClass c) {
        String pkg = c.getPackageName() + ".";
        return pkg.startsWith("io.reactivewspool.") && pkg.contains(".internal.");
    }

    /** A public class outside the internal packages. */
    public static boolean isPublicApi(JavaClass c) {
        return !isInternal(c) && c.getModifiers().contains(JavaModifier.PUBLIC);
    }

    /**
     * Every public or protected constructor, method and field of the classes {@code api} accepts,
     * and every superclass, that names a type {@code forbidden} accepts, anywhere in its type
     * (a type argument counts: {@code Mono<Internal>} names {@code Internal}). One line per leak.
     */
    public static List<String> signatureLeaks(JavaClasses classes, Predicate<JavaClass> api, Predicate<JavaClass> forbidden) {
        List<String> leaks = new ArrayList<>();
        for (JavaClass c : classes) {
            if (!api.test(c)) {
                continue;
            }
            for (JavaCodeUnit unit : c.getCodeUnits()) {
                if (!visible(unit.getModifiers())) {
                    continue;
                }
                Set<JavaClass> named = new HashSet<>();
                unit.getParameterTypes().forEach(t -> named.addAll(t.getAllInvolvedRawTypes()));
                named.addAll(unit.getReturnType().getAllInvolvedRawTypes());
                named.stream().filter(forbidden).forEach(t -> leaks.add(unit.getFullName() + " names " + t.getName()));
            }
            for (JavaField f : c.getFields()) {
                if (visible(f.getModifiers())) {
                    f.getType().getAllInvolvedRawTypes().stream().filter(forbidden)
                            .forEach(t -> leaks.add(f.getFullName() + " names " + t.getName()));
                }
            }
            c.getRawSuperclass().filter(forbidden).ifPresent(t -> leaks.add(c.getName() + " extends " + t.getName()));
        }
        return leaks;
    }

    /** Simple names ending in Manager, Helper, Util or Utils: STYLE.md asks for domain names. */
    public static List<String> vagueNames(JavaClasses classes) {
        return classes.stream().map(JavaClass::getSimpleName)
                .filter(n -> n.endsWith("Manager") || n.endsWith("Helper") || n.endsWith("Util") || n.endsWith("Utils"))
                .toList();
    }

    private static boolean visible(Set<JavaModifier> modifiers) {
        return modifiers.contains(JavaModifier.PUBLIC) || modifiers.contains(JavaModifier.PROTECTED);
    }
}
