package io.reactivewspool.benchmarks;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.reactivewspool.client.PooledWsConnection;
import io.reactivewspool.client.WsClientOptions;
import io.reactivewspool.client.WsClientPool;
import io.reactivewspool.client.WsClientPoolOptions;
import io.reactivewspool.client.WsConnection;
import io.reactivewspool.internal.client.DefaultWsClientPool;
import io.reactivewspool.internal.client.NettyWsConnector;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.pool.InstrumentedPool;
import reactor.pool.PoolBuilder;
import reactor.pool.PooledRef;

/**
 * The cost of one acquire + release through {@link WsClientPool} against raw reactor-pool over
 * the same allocator (a real loopback WebSocket connect), both warmed to 8 connections.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 8, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
public class AcquireReleaseBenchmark {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private LoopbackReplyServer server;
    private InstrumentedPool<WsConnection> raw;
    private WsClientPool pool;

    @Setup(Level.Trial)
    public void setUp() {
        server = new LoopbackReplyServer();
        WsClientOptions client = WsClientOptions.builder(server.url()).build();
        NettyWsConnector connector = new NettyWsConnector(client, "jmh");
        Mono<WsConnection> allocator = Mono.defer(connector::connect);
        raw = PoolBuilder.from(allocator).sizeBetween(8, 8).buildPool();
        raw.warmup().block(WAIT);
        pool = new DefaultWsClientPool(WsClientPoolOptions.builder(client).name("jmh").minConnections(8).maxConnections(8).build(),
                () -> allocator);
        // take all 8 once so that the pool is warm
        Flux.range(0, 8).flatMap(i -> pool.acquire()).collectList().block(WAIT)
                .forEach(p -> p.release().block(WAIT));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.disposeLater().block(WAIT);
        raw.disposeLater().block(WAIT);
        server.close();
    }

    @Benchmark
    public Object rawReactorPool() {
        return raw.acquire().flatMap(PooledRef::release).block();
    }

    @Benchmark
    public Object wsClientPool() {
        return pool.acquire().flatMap(PooledWsConnection::release).block();
    }
}
