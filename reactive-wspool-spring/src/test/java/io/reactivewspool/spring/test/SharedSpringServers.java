package io.reactivewspool.spring.test;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import io.reactivewspool.server.HubAdmin;
import io.reactivewspool.server.HubStats;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.test.HubConformanceSuite;
import io.reactivewspool.test.ReactorNettyTestClient;
import io.reactivewspool.test.ServerFactory;
import io.reactivewspool.test.ServerUnderTest;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.http.client.ReactorResourceFactory;

import static org.awaitility.Awaitility.await;

/**
 * The {@link HubConformanceSuite}'s servers as Spring Boot applications on the starter, started
 * once per test class (and per startup configuration) instead of once per test: a Spring start
 * costs about 2.3 s on the CI machine, the suite has some sixty tests.
 *
 * <p>Each test still gets its own {@link WsHub}, built from its own options, behind the real
 * WebFlux adapter (upgrade handler, transport, admin routes, lifecycle) over loopback. The
 * application's {@code wsHub} bean forwards to the current test's hub; when the test ends
 * ({@link ServerUnderTest#release()}) that hub is closed, every connection it had must be gone, and
 * the application keeps the closed hub (which refuses upgrades) until the next test brings its
 * own. A test's hub starts empty, so no test sees another's connections or topics; the fixture
 * checks both ends. {@link ServerUnderTest#close()} still stops the whole application through
 * Spring's shutdown (the next test starts a new one), because that is what the shutdown row of
 * the protocol tests.
 *
 * <pre>{@code
 * class ChatConformanceIT extends HubConformanceSuite {
 *     @RegisterExtension
 *     static final SharedSpringServers SERVERS = new SharedSpringServers(ChatApplication.class, base().build(), ADMIN);
 *
 *     @Override
 *     protected ServerFactory factory() {
 *         return SERVERS;
 *     }
 * }
 * }</pre>
 */
public final class SharedSpringServers implements ServerFactory, BeforeAllCallback, AfterAllCallback {

    private static final Duration RESET_TIMEOUT = ReactorNettyTestClient.WAIT;

    private final Class<?> application;
    private final WsHubOptions firstOptions;
    private final String firstAdminToken;
    private final List<SharedApp> apps = new ArrayList<>();

    /**
     * @param application     a Spring Boot application on the starter; the suite's hub options replace its own
     * @param firstOptions    the options most tests start with: their application starts before the first
     *                        test, so that the first (and slowest) Spring start in the JVM is not charged
     *                        to one test's time limit
     * @param firstAdminToken the admin token most tests start with
     */
    public SharedSpringServers(Class<?> application, WsHubOptions firstOptions, String firstAdminToken) {
        this.application = Objects.requireNonNull(application, "application");
        this.firstOptions = Objects.requireNonNull(firstOptions, "firstOptions");
        this.firstAdminToken = firstAdminToken;
    }

    @Override
    public synchronized void beforeAll(ExtensionContext context) {
        Startup startup = new Startup(firstAdminToken, firstOptions.limits().maxFrameBytes());
        apps.add(SharedApp.start(application, startup, firstOptions, WsHub.create(firstOptions)));
    }

    @Override
    public synchronized ServerUnderTest start(WsHubOptions options, String adminToken) {
        Startup startup = new Startup(adminToken, options.limits().maxFrameBytes());
        WsHub hub = WsHub.create(options);
        apps.removeIf(app -> !app.context.isActive());
        SharedApp app = apps.stream().filter(a -> a.startup.equals(startup) && a.lease == null).findFirst()
                .orElseGet(() -> {
                    SharedApp started = SharedApp.start(application, startup, options, hub);
                    apps.add(started);
                    return started;
                });
        return app.lease(hub);
    }

    @Override
    public synchronized void afterAll(ExtensionContext context) {
        apps.forEach(app -> app.context.close());
        apps.clear();
    }

    /**
     * What the application's beans read once, at startup, and a test may set differently: the admin
     * token ({@code wspool.admin.token}, read by the admin routes) and the frame limit (read by the
     * WebSocket upgrade service). Everything else in the options is read by the hub alone.
     */
    private record Startup(String adminToken, int maxFrameBytes) {
    }

    private static final class SharedApp {

        private final Startup startup;
        private final ConfigurableApplicationContext context;
        private final AtomicReference<WsHub> current;
        private volatile Lease lease;

        private SharedApp(Startup startup, ConfigurableApplicationContext context, AtomicReference<WsHub> current) {
            this.startup = startup;
            this.context = context;
            this.current = current;
        }

        static SharedApp start(Class<?> application, Startup startup, WsHubOptions options, WsHub first) {
            AtomicReference<WsHub> current = new AtomicReference<>(first);
            WsHub hub = forwarding(WsHub.class, current::get);
            ConfigurableApplicationContext context = LoopbackApp.withoutSecurity(application,
                            "wspool.admin.token=" + (startup.adminToken() == null ? "" : startup.adminToken()))
                    .initializers(c -> {
                        // Both back the auto-configured beans off: the hub, and the options the upgrade service reads.
                        c.getBeanFactory().registerSingleton("wsHubOptions", options);
                        c.getBeanFactory().registerSingleton("wsHub", hub);
                        // Boot's default serves on Reactor Netty's global event loops and disposes them when
                        // the application closes: with several applications up at once, the shutdown test
                        // would take the others' server down with its own. Each gets loops of its own.
                        ((GenericApplicationContext) c).registerBean("reactorResourceFactory", ReactorResourceFactory.class, () -> {
                            ReactorResourceFactory own = new ReactorResourceFactory();
                            own.setUseGlobalResources(false);
                            return own;
                        });
                    })
                    .run();
            return new SharedApp(startup, context, current);
        }

        ServerUnderTest lease(WsHub hub) {
            // The previous test's hub was closed when that test released it; the one the
            // application started with serves no test and closes here (closing is idempotent).
            WsHub previous = current.getAndSet(hub);
            if (previous != hub) {
                previous.close().block(RESET_TIMEOUT);
            }
            lease = new Lease(this, hub);
            return lease;
        }

        /** Closes the test's hub and checks that nothing it served is left for the next test. */
        void reset(Lease ended) {
            lease = null;
            if (!context.isActive()) {
                return;
            }
            try {
                ended.hub.close().block(RESET_TIMEOUT);
                await().atMost(RESET_TIMEOUT).until(() -> ended.hub.admin().stats().activeConnections() == 0);
            } catch (RuntimeException | AssertionError e) {
                // A hub that would not let go: the next test gets a new application rather than its leftovers.
                context.close();
                throw e;
            }
        }
    }

    private static final class Lease implements ServerUnderTest {

        private final SharedApp app;
        private final WsHub hub;
        private final int port;
        private boolean released;

        Lease(SharedApp app, WsHub hub) {
            this.app = app;
            this.hub = hub;
            this.port = LoopbackApp.port(app.context);
            HubStats stats = hub.admin().stats();
            if (stats.totalConnections() != 0 || !stats.topicSubscribers().isEmpty()) {
                throw new IllegalStateException("a test's hub must start empty, was " + stats);
            }
        }

        @Override
        public String wsUrl() {
            return "ws://127.0.0.1:" + port + "/ws";
        }

        @Override
        public String adminUrl() {
            return "http://127.0.0.1:" + port + "/api/admin/websockets";
        }

        @Override
        public WsHub hub() {
            return hub;
        }

        @Override
        public void close() {
            app.context.close();
            release();
        }

        @Override
        public void release() {
            if (!released) {
                released = true;
                app.reset(this);
            }
        }
    }

    /**
     * {@code type} forwarding every call to {@code target.get()} at the time of the call; a
     * {@link HubAdmin} it returns forwards the same way, because the admin routes and the metrics
     * keep the admin they got at startup.
     */
    @SuppressWarnings("unchecked")
    private static <T> T forwarding(Class<T> type, Supplier<T> target) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return switch (method.getName()) {
                    case "equals" -> proxy == args[0];
                    case "hashCode" -> System.identityHashCode(proxy);
                    default -> type.getSimpleName() + " forwarding to " + target.get();
                };
            }
            if (type == WsHub.class && method.getName().equals("admin") && method.getParameterCount() == 0) {
                return forwarding(HubAdmin.class, () -> ((WsHub) target.get()).admin());
            }
            try {
                return method.invoke(target.get(), args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler);
    }
}
