package io.reactivewspool.spring.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.http.client.ReactorResourceFactory;
import reactor.netty.ReactorNetty;
import reactor.netty.resources.LoopResources;

/**
 * Runs WebFlux's Reactor Netty server on one event loop per core. Reactor Netty's default is
 * {@code max(cores, 4)}; the hub batches every broadcast per event loop, so on one or two cores the
 * extra loops cost a batch, a wake-up and a context switch each per broadcast (CPU per delivery up
 * to 3.75× the standalone server's on one core, docs/BENCHMARKS-FANOUT.md).
 *
 * <p>Connections are accepted on one thread of their own ({@code wspool-http-select-*}), as on the
 * standalone server. On the connections' loop, accepting waited behind the upgrades that loop was
 * answering: a reconnect storm of 19,500 clients overflowed the listen queue 137,069 times, and 1,103
 * of them never connected (docs/BENCHMARKS-FANOUT.md).
 *
 * <p>Boot's web server takes its loops from the {@link ReactorResourceFactory} when it starts, after
 * every {@code NettyServerCustomizer}; so this changes that factory, before its initialization: when
 * it would use Reactor Netty's global resources, it gets loops of its own ({@code wspool-http-*}),
 * which it disposes when the context stops, after the server. WebFlux's {@code WebClient} shares
 * them, as it shares the global ones by default.
 *
 * <p>{@code wspool.server.event-loops}: unset means one per core unless the JVM was given
 * {@code -Dreactor.netty.ioWorkerCount}; {@code 0} keeps Reactor Netty's choice; {@code n} gives n.
 *
 * <pre>{@code
 * ServerEventLoops loops = new ServerEventLoops(null); // one per core
 * }</pre>
 */
public final class ServerEventLoops implements BeanPostProcessor {

    private static final Logger log = LoggerFactory.getLogger(ServerEventLoops.class);

    private final int count;

    /** {@code configured}: the property, {@code null} when unset. */
    public ServerEventLoops(Integer configured) {
        if (configured != null && (configured < 0 || configured > 1024)) {
            throw new IllegalArgumentException("wspool.server.event-loops must be 0 (Reactor Netty's default) .. 1024, was "
                    + configured);
        }
        if (configured != null) {
            count = configured;
        } else {
            count = System.getProperty(ReactorNetty.IO_WORKER_COUNT) != null ? 0 : Runtime.getRuntime().availableProcessors();
        }
    }

    /** The loops the server runs on; 0 when Reactor Netty's own are kept. */
    public int count() {
        return count;
    }

    @Override
    public Object postProcessBeforeInitialization(Object bean, String beanName) {
        if (count > 0 && bean instanceof ReactorResourceFactory factory && factory.isUseGlobalResources()) {
            factory.setUseGlobalResources(false);
            int n = count;
            factory.setLoopResourcesSupplier(() -> LoopResources.create("wspool-http", 1, n, true));
            log.info("WebFlux's Reactor Netty server runs on {} event loops (wspool.server.event-loops; 0 keeps Reactor Netty's"
                    + " max(cores, 4))", count);
        }
        return bean;
    }
}
