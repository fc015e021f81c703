package io.reactivewspool.benchmarks;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.reactivewspool.message.WsCloseStatus;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.Admission;
import io.reactivewspool.server.HandshakeInfo;
import io.reactivewspool.server.InboundFrame;
import io.reactivewspool.server.OutboundFrame;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.server.WsTransport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * One message to {@code connections} subscribers of a topic, in process, through the public
 * {@link WsHub} API. Each connection is a {@link CountingTransport}: it takes every
 * {@link OutboundFrame} the hub's queue hands it and counts it, without I/O, so what is measured
 * is the hub's own path (stamp, encode, registry walk, per-connection queue, hand-off).
 * <ul>
 * <li>{@code encodeOnce}: {@code hub.broadcast(message)}: the message is stamped and encoded once
 * and the same frame goes to every subscriber's queue;</li>
 * <li>{@code perRecipient} (the baseline): {@code hub.sendTo(connectionId, message)} for every
 * subscriber: the same hub, queues and transports, but the message is stamped and encoded once per
 * recipient, as a server that serializes per session does. Same hub rather than a hand-written
 * loop, so that the only difference between the two is where the encoding happens; a hand-written
 * loop without queues would mix in the cost of the hub's registry and queues.</li>
 * </ul>
 * Each invocation returns when every transport has counted its frame (the hub may deliver on
 * another thread). Run with {@code -prof gc}: {@code gc.alloc.rate.norm} ÷ {@code connections} is
 * the bytes allocated per delivery.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class BroadcastBenchmark {

    static final String TOPIC = "bench.fanout";
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);

    @Param({"100", "1000"})
    public int connections;

    @Param({"64", "512"})
    public int dataBytes;

    private WsHub hub;
    private CountingTransport[] transports;
    private String[] ids;
    private WsMessage message;
    /** Text frames all transports have counted once the current invocation is done. */
    private long expected;

    @Setup(Level.Trial)
    public void setUp() {
        hub = WsHub.create(WsHubOptions.builder()
                // no heartbeat or sweep during a measurement
                .heartbeatInterval(Duration.ofMinutes(30)).connectionTimeout(Duration.ofMinutes(60))
                .cleanupInterval(Duration.ofMinutes(30))
                .maxConnections(connections + 10).maxConnectionsPerTopic(connections + 10)
                .closeDrainPeriod(Duration.ZERO)
                .build());
        transports = new CountingTransport[connections];
        ids = new String[connections];
        for (int i = 0; i < connections; i++) {
            transports[i] = new CountingTransport();
            hub.serve(transports[i], Admission.accepted(null), Set.of(TOPIC)).subscribe();
        }
        message = WsMessage.data(TOPIC, CodecBenchmark.dataOfSize(dataBytes));
        long deadline = System.nanoTime() + WAIT_NANOS;
        // welcome and subscribed may follow the serve() call on another thread: wait until a broadcast reaches all
        while (hub.broadcast(TOPIC, "warmup", null) != connections) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not every connection subscribed to " + TOPIC);
            }
            Thread.onSpinWait();
        }
        for (int i = 0; i < connections; i++) {
            ids[i] = transports[i].connectionId;
            if (ids[i] == null) {
                throw new IllegalStateException("connection " + i + " got no welcome");
            }
        }
        expected = settledTotal();
    }

    /** The text frame count once it stopped moving for 200 ms (frames of the setup may still be in flight). */
    private long settledTotal() {
        long last = -1;
        long now = totalTexts();
        while (now != last) {
            last = now;
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            now = totalTexts();
        }
        return now;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        hub.close().block(Duration.ofSeconds(30));
    }

    @Benchmark
    public int encodeOnce() {
        int reached = hub.broadcast(message, Set.of());
        awaitDelivered();
        return reached;
    }

    @Benchmark
    public int perRecipient() {
        int reached = 0;
        for (String id : ids) {
            if (hub.sendTo(id, message)) {
                reached++;
            }
        }
        awaitDelivered();
        return reached;
    }

    private void awaitDelivered() {
        long target = expected += connections;
        if (totalTexts() >= target) {
            return;
        }
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (totalTexts() < target) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("frames not delivered within 10 s: " + totalTexts() + " of " + target);
            }
            Thread.onSpinWait();
        }
    }

    private long totalTexts() {
        long sum = 0;
        for (CountingTransport t : transports) {
            sum += t.texts;
        }
        return sum;
    }

    /**
     * A {@link WsTransport} without I/O: it requests everything, counts text frames and their bytes,
     * reads the connection id from the welcome, and completes its inbound side on close.
     */
    static final class CountingTransport implements WsTransport {

        private static final VarHandle TEXTS;
        private static final HandshakeInfo HANDSHAKE =
                new HandshakeInfo("/ws", Map.of(), Map.of(), new InetSocketAddress("127.0.0.1", 50000), null);

        static {
            try {
                TEXTS = MethodHandles.lookup().findVarHandle(CountingTransport.class, "texts", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final Sinks.Empty<Void> closed = Sinks.empty();
        volatile String connectionId;
        /** Written by the one consumer of this connection's queue, read by the benchmark thread. */
        volatile long texts;
        private long textsLocal;
        long bytes;

        @Override
        public HandshakeInfo handshake() {
            return HANDSHAKE;
        }

        @Override
        public Flux<InboundFrame> receive() {
            return closed.asMono().thenMany(Flux.empty());
        }

        @Override
        public Mono<Void> send(Publisher<OutboundFrame> frames) {
            return Mono.create(sink -> frames.subscribe(new Subscriber<OutboundFrame>() {
                @Override
                public void onSubscribe(Subscription s) {
                    s.request(Long.MAX_VALUE);
                }

                @Override
                public void onNext(OutboundFrame f) {
                    if (f.kind() != OutboundFrame.Kind.TEXT) {
                        return;
                    }
                    if (connectionId == null) {
                        WsMessage m = WsCodec.json().decode(f.payload());
                        if (m.is(WsMessage.WELCOME)) {
                            connectionId = m.data().path("connection_id").asString();
                        }
                    }
                    bytes += f.size();
                    // release store: cheap, and the benchmark thread's volatile read sees it
                    TEXTS.setRelease(CountingTransport.this, ++textsLocal);
                }

                @Override
                public void onError(Throwable t) {
                    sink.error(t);
                }

                @Override
                public void onComplete() {
                    sink.success();
                }
            }));
        }

        @Override
        public Mono<Void> close(WsCloseStatus status) {
            return Mono.fromRunnable(closed::tryEmitEmpty);
        }
    }
}
