package io.reactivewspool.internal.redis;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.event.Event;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.reactivewspool.broker.redis.RedisBroker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * What both {@link RedisLink}s share: a listening and a command connection on a Lettuce client
 * that runs on event loops of its own ({@link ClientResources} made for this link alone), and a
 * close that always ends.
 *
 * <p>Why the link owns its event loops: Lettuce opens a cluster's shard connections lazily, and a
 * connection still being opened when the connections are closed is missed by their close (it is
 * closed, if ever, when its connect completes), while the close of a connection whose shard
 * connection raced with it was seen never to complete (ClusterBrokerCloseIT). The client's own
 * shutdown waits for those same closes. Stopping the event loops closes every channel on them,
 * whatever Lettuce's bookkeeping says, and a connect attempted after that fails at once: so the
 * connections and the client get a bounded time each, and the event loops stop in every case.
 */
abstract class LettuceLink<S extends StatefulConnection<byte[], byte[]>, P extends StatefulConnection<byte[], byte[]>>
        implements RedisLink {

    private static final Logger log = LoggerFactory.getLogger(RedisBroker.class);

    /**
     * Quiet period of the event loops' shutdown: a reconnect attempt's channel still being torn
     * down must be unregistered (Lettuce releases its read buffer there) before the loops stop,
     * or PARANOID reports a leak.
     */
    static final long QUIET_PERIOD_MS = 100;
    /** How long the event loops may take to stop after their quiet period. */
    static final long SHUTDOWN_TIMEOUT_MS = 2_000;
    /** How long the connections, then the client, may take to close before the event loops stop anyway. */
    static final Duration CLOSE_STEP = Duration.ofSeconds(2);
    /** The longest a close takes: two steps, then the event loops' quiet period and timeout (and some slack). */
    static final Duration CLOSE_BOUND = CLOSE_STEP.multipliedBy(2)
            .plusMillis(QUIET_PERIOD_MS + SHUTDOWN_TIMEOUT_MS).plusSeconds(1);

    protected final String where;
    protected final S sub;
    protected final P pub;
    private final ClientResources resources;
    private final AbstractRedisClient client;

    LettuceLink(String where, ClientResources resources, AbstractRedisClient client, S sub, P pub) {
        this.where = where;
        this.resources = resources;
        this.client = client;
        this.sub = sub;
        this.pub = pub;
    }

    /** The event loops, timers and event bus of one link. */
    static ClientResources resources() {
        return DefaultClientResources.create();
    }

    @Override
    public String where() {
        return where;
    }

    @Override
    public boolean isOpen() {
        return sub.isOpen() && pub.isOpen();
    }

    @Override
    public Flux<Event> events() {
        return resources.eventBus().get();
    }

    @Override
    public Mono<Void> close() {
        return Mono.when(bounded(sub::closeAsync, "the listening connection to " + where),
                        bounded(pub::closeAsync, "the command connection to " + where))
                .then(release(where, client, resources));
    }

    /** Shuts a client down, then its event loops, each in bounded time; never fails. */
    static Mono<Void> release(String where, AbstractRedisClient client, ClientResources resources) {
        return bounded(() -> client.shutdownAsync(QUIET_PERIOD_MS, SHUTDOWN_TIMEOUT_MS, TimeUnit.MILLISECONDS),
                "the client of " + where)
                // Off the event loops: stopping the resources' timer joins its thread.
                .then(Mono.<Void>create(sink -> resources.shutdown(QUIET_PERIOD_MS, SHUTDOWN_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                        .addListener(f -> sink.success())).subscribeOn(Schedulers.boundedElastic()));
    }

    /** Waits at most {@link #CLOSE_STEP} for a Lettuce close, without cancelling it (Lettuce shares those futures). */
    private static Mono<Void> bounded(Supplier<CompletableFuture<Void>> close, String what) {
        return Mono.fromFuture(close, true)
                .timeout(CLOSE_STEP, Schedulers.parallel())
                .onErrorResume(e -> {
                    log.warn("redis broker close: {} did not close within {} ms ({}); its event loops stop anyway, "
                            + "which closes every connection on them", what, CLOSE_STEP.toMillis(), e.toString());
                    return Mono.empty();
                });
    }
}
