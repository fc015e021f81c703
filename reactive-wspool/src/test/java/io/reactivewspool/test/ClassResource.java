package io.reactivewspool.test;

import java.util.function.Supplier;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Something a test class starts before its first test and closes after its last, such as a
 * redis-server: a JUnit extension for a static field.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final ClassResource<RedisClusterProcesses> cluster = ClassResource.of(RedisClusterProcesses::start);
 * ...
 * cluster.get().uris();
 * }</pre>
 */
public final class ClassResource<T extends AutoCloseable> implements BeforeAllCallback, AfterAllCallback {

    private final Supplier<T> start;
    private T resource;

    private ClassResource(Supplier<T> start) {
        this.start = start;
    }

    /** The resource {@code start} gives, started before the class's tests and closed after them. */
    public static <T extends AutoCloseable> ClassResource<T> of(Supplier<T> start) {
        return new ClassResource<>(start);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        resource = start.get();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (resource != null) {
            resource.close();
        }
    }

    /** The started resource. */
    public T get() {
        if (resource == null) {
            throw new IllegalStateException("not started: register this ClassResource on a static field");
        }
        return resource;
    }
}
