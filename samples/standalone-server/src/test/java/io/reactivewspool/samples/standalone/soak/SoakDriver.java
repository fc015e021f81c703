package io.reactivewspool.samples.standalone.soak;

import java.io.File;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongFunction;

import io.reactivewspool.WsException;
import io.reactivewspool.client.WsClient;
import io.reactivewspool.client.WsClientOptions;
import io.reactivewspool.client.WsClientPool;
import io.reactivewspool.client.WsClientPoolOptions;
import io.reactivewspool.client.WsConnection;
import io.reactivewspool.message.WsMessage;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A soak run against the packaged standalone server, in its own process:
 * <ul>
 * <li><b>churn</b>: {@code subscribers} slots, each in a loop connects, subscribes to one of the
 * sequenced topics, receives for 1-3 s, checks what it got, and disconnects;</li>
 * <li><b>broadcasts</b>: {@code publishers} clients each publish sequence-numbered messages on
 * their own topic (the server delivers them to the topic's subscribers), and the admin API
 * broadcasts sequence-numbered messages on one more topic;</li>
 * <li><b>request traffic</b>: a {@link WsClientPool} (2-4 connections) with {@code requesters}
 * callers sending {@code ping} requests.</li>
 * </ul>
 * Loss is counted where the protocol promises delivery: a subscriber is owed every message of its
 * topic sent after its {@code subscribed} arrived and acknowledged before it leaves, unless the
 * server closed it as a slow consumer (4001: the server runs with {@code --overflow=disconnect},
 * so an overflow is never silent). The server's heap is measured after a full GC ({@code jcmd})
 * after a warm-up and at the end, with its RSS.
 *
 * <p>Usage: {@code SoakDriver [--duration=10m] [--jar=PATH] [--heap-growth-mib=32]
 * [--subscribers=32] [--publishers=4] [--requesters=8]}; {@code scripts/soak.sh} builds and runs it.
 * Exit status 0 when the run passed, 1 when not, 2 on a bad flag.
 */
public final class SoakDriver {

    private static final Duration PUBLISH_INTERVAL = Duration.ofMillis(20);
    private static final Duration BROADCAST_INTERVAL = Duration.ofMillis(50);
    private static final Duration REQUEST_INTERVAL = Duration.ofMillis(20);
    private static final Duration OWED_WAIT = Duration.ofSeconds(5);
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(30);

    /** How a soak runs. */
    public record Options(Duration duration, File jar, long heapGrowthBoundMib, int subscribers, int publishers, int requesters) {

        public static Options defaults() {
            return new Options(Duration.ofMinutes(10), new File("samples/standalone-server/target/standalone-server.jar"), 32, 32, 4, 8);
        }

        public Options withDuration(Duration d) {
            return new Options(d, jar, heapGrowthBoundMib, subscribers, publishers, requesters);
        }

        public Options withJar(File f) {
            return new Options(duration, f, heapGrowthBoundMib, subscribers, publishers, requesters);
        }

        static Options parse(String[] args) {
            Options o = defaults();
            for (String a : args) {
                String[] kv = a.split("=", 2);
                String v = kv.length == 2 ? kv[1] : "";
                o = switch (kv[0]) {
                    case "--duration" -> o.withDuration(parseDuration(v));
                    case "--jar" -> o.withJar(new File(v));
                    case "--heap-growth-mib" -> new Options(o.duration, o.jar, Long.parseLong(v), o.subscribers, o.publishers, o.requesters);
                    case "--subscribers" -> new Options(o.duration, o.jar, o.heapGrowthBoundMib, Integer.parseInt(v), o.publishers, o.requesters);
                    case "--publishers" -> new Options(o.duration, o.jar, o.heapGrowthBoundMib, o.subscribers, Integer.parseInt(v), o.requesters);
                    case "--requesters" -> new Options(o.duration, o.jar, o.heapGrowthBoundMib, o.subscribers, o.publishers, Integer.parseInt(v));
                    default -> throw new IllegalArgumentException("unknown flag " + a);
                };
            }
            if (o.duration.toSeconds() < 10 || o.subscribers < 1 || o.publishers < 1 || o.requesters < 1) {
                throw new IllegalArgumentException("duration must be >= 10s and every count >= 1: " + o);
            }
            return o;
        }

        /** {@code 600}, {@code 600s}, {@code 10m} or {@code 1h}. */
        static Duration parseDuration(String v) {
            char unit = v.isEmpty() ? 's' : v.charAt(v.length() - 1);
            String num = Character.isDigit(unit) ? v : v.substring(0, v.length() - 1);
            long n = Long.parseLong(num);
            return switch (Character.isDigit(unit) ? 's' : unit) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                default -> throw new IllegalArgumentException("duration " + v + ": use N, Ns, Nm or Nh");
            };
        }
    }

    /** A topic with a sequence: the last number handed to the sender, and the last one the server acknowledged. */
    private static final class Source {
        final String topic;
        final String type;
        final AtomicLong sent = new AtomicLong();
        final AtomicLong acked = new AtomicLong();

        Source(String topic, String type) {
            this.topic = topic;
            this.type = type;
        }
    }

    /** One subscriber connection's stay: what it is owed and what it got. Touched on its event loop and then by settle(). */
    private static final class Visit {
        final Source source;
        final List<Long> got = new ArrayList<>();
        volatile long owedAfter = -1;
        volatile long last;

        Visit(Source source) {
            this.source = source;
        }

        synchronized void onMessage(WsMessage m) {
            if (source.topic.equals(m.topic()) && m.is(source.type) && m.data() != null && m.data().has("seq")) {
                long seq = m.data().get("seq").asLong();
                got.add(seq);
                last = Math.max(last, seq);
            }
        }
    }

    private final Options options;
    private final ServerProcess server;
    private final List<Source> sources = new ArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final LongAdder connections = new LongAdder();
    private final LongAdder delivered = new LongAdder();
    private final LongAdder lost = new LongAdder();
    private final LongAdder disordered = new LongAdder();
    private final LongAdder visitsChecked = new LongAdder();
    private final LongAdder overflowed = new LongAdder();
    private final LongAdder requestsOk = new LongAdder();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final Map<String, String> firstError = new ConcurrentHashMap<>();
    private final WsClientOptions client;

    private SoakDriver(Options options, ServerProcess server) {
        this.options = options;
        this.server = server;
        this.client = WsClientOptions.builder(server.wsUrl()).requestTimeout(Duration.ofSeconds(10)).build();
        for (int i = 0; i < options.publishers(); i++) {
            sources.add(new Source("soak.p" + i, "data"));
        }
        sources.add(new Source("soak.admin", "announce"));
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println("usage: SoakDriver [--duration=10m] [--jar=PATH] [--heap-growth-mib=32] [--subscribers=32] "
                    + "[--publishers=4] [--requesters=8]");
            System.exit(2);
            return;
        }
        SoakReport r = run(o);
        System.out.print(r.format());
        System.exit(r.passed() ? 0 : 1);
    }

    /** Launches the server, runs the load for the options' duration, stops the server and reports. */
    public static SoakReport run(Options o) throws Exception {
        try (ServerProcess server = ServerProcess.launch(o.jar(), List.of("-Xmx512m", "-XX:+UseG1GC"),
                List.of("--publish-topics=soak.*", "--overflow=disconnect", "--queue-size=1024", "--drain-ms=0"))) {
            System.out.println("soak: server pid " + server.pid() + " at " + server.wsUrl() + ", log " + server.log()
                    + "; " + o.duration().toSeconds() + " s of load");
            SoakReport report = new SoakDriver(o, server).soak();
            if (report.passed()) {
                Files.deleteIfExists(server.log()); // kept when the run failed, for the post-mortem
            }
            return report;
        }
    }

    private SoakReport soak() throws Exception {
        long startNanos = System.nanoTime();
        long endNanos = startNanos + options.duration().toNanos();
        WsClientPool pool = WsClientPool.create(WsClientPoolOptions.builder(client).name("soak")
                .minConnections(2).maxConnections(4).build());
        List<WsConnection> publisherConnections = new ArrayList<>();
        for (Source s : sources.subList(0, options.publishers())) {
            publisherConnections.add(WsClient.create(client).connect().block(Duration.ofSeconds(30)));
        }
        List<Mono<Void>> loads = new ArrayList<>();
        for (int i = 0; i < options.publishers(); i++) {
            loads.add(publishLoop(publisherConnections.get(i), sources.get(i)));
        }
        loads.add(broadcastLoop(sources.get(sources.size() - 1)));
        loads.add(Flux.range(0, options.subscribers()).flatMap(i -> churnLoop(), options.subscribers()).then());
        loads.add(Flux.range(0, options.requesters()).flatMap(i -> requestLoop(pool), options.requesters()).then());
        var done = Mono.when(loads).toFuture();

        Duration warmup = Duration.ofSeconds(Math.min(10, options.duration().toSeconds() / 6));
        Thread.sleep(warmup.toMillis());
        ServerProcess.Memory start = server.memoryAfterFullGc();
        System.out.println("soak: after " + warmup.toSeconds() + " s warm-up, server heap after full GC "
                + start.heapUsedKib() / 1024 + " MiB, RSS " + start.rssKib() / 1024 + " MiB");
        long nextProgress = System.nanoTime() + PROGRESS_EVERY.toNanos();
        while (System.nanoTime() < endNanos && server.isAlive()) {
            Thread.sleep(Math.max(1, Math.min(500, TimeUnit.NANOSECONDS.toMillis(endNanos - System.nanoTime()))));
            if (System.nanoTime() >= nextProgress) {
                nextProgress += PROGRESS_EVERY.toNanos();
                System.out.printf("soak: %4d s connections %,d delivered %,d lost %,d requests %,d errors %,d%n",
                        TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startNanos), connections.sum(), delivered.sum(),
                        lost.sum(), requestsOk.sum(), errors.values().stream().mapToLong(LongAdder::sum).sum());
            }
        }
        if (!server.isAlive()) {
            error("server died", new IllegalStateException("the server process exited during the soak"));
        }
        running.set(false);
        done.get(2, TimeUnit.MINUTES);
        for (WsConnection c : publisherConnections) {
            c.close(1000, "soak over").block(Duration.ofSeconds(10));
        }
        pool.disposeLater().block(Duration.ofSeconds(30));

        // Every client is gone: the server must let go of them too before the end measurement.
        long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (server.stats().get("active_connections").asInt() > 0 && System.nanoTime() < settle) {
            Thread.sleep(100);
        }
        int left = server.stats().get("active_connections").asInt();
        if (left > 0) {
            error("connections left on the server", new IllegalStateException(left + " still registered 30 s after every client closed"));
        }
        long total = server.stats().get("total_connections").asLong();
        ServerProcess.Memory end = server.memoryAfterFullGc();
        int exit = server.stop();
        long logErrors;
        try (var lines = Files.lines(server.log())) {
            logErrors = lines.filter(l -> l.contains(" ERROR ")).count();
        }
        Map<String, Long> errorCounts = new TreeMap<>();
        errors.forEach((k, v) -> errorCounts.put(k + " (first: " + firstError.get(k) + ")", v.sum()));
        long published = sources.stream().mapToLong(s -> s.acked.get()).sum();
        return new SoakReport(options.duration(), connections.sum(), total, published, delivered.sum(), lost.sum(),
                disordered.sum(), visitsChecked.sum(), overflowed.sum(), requestsOk.sum(), errorCounts, start, end,
                options.heapGrowthBoundMib() * 1024, logErrors, exit);
    }

    private void error(String kind, Throwable e) {
        errors.computeIfAbsent(kind, k -> new LongAdder()).increment();
        firstError.putIfAbsent(kind, e instanceof WsException ? e.getMessage() : e.toString());
    }

    /** Publishes seq 1, 2, 3 ... on the source's topic, each after the previous one was acknowledged ({@code published}). */
    private Mono<Void> publishLoop(WsConnection conn, Source s) {
        return sequenceLoop(s, PUBLISH_INTERVAL, "publish failed", seq -> conn.request(WsMessage.publish(s.topic, Map.of("seq", seq)))
                .map(reply -> {
                    if (!reply.is("published")) {
                        error("publish refused", new IllegalStateException(reply.toString()));
                    }
                    return reply.is("published");
                }));
    }

    /** The same over the admin API: {@code POST /broadcast}, acknowledged by its answer. */
    private Mono<Void> broadcastLoop(Source s) {
        // The JDK HTTP client may park while it hands the request over: not on a non-blocking thread.
        return sequenceLoop(s, BROADCAST_INTERVAL, "admin broadcast failed",
                seq -> Mono.fromFuture(() -> server.broadcastAsync(s.topic, s.type, "{\"seq\":" + seq + "}"))
                        .subscribeOn(Schedulers.boundedElastic())
                        .thenReturn(Boolean.TRUE));
    }

    /** Sends the source's next number every {@code interval} until the soak stops; an acknowledged one becomes {@code acked}. */
    private Mono<Void> sequenceLoop(Source s, Duration interval, String failure, LongFunction<Mono<Boolean>> send) {
        return Mono.defer(() -> {
                    long seq = s.sent.incrementAndGet();
                    return send.apply(seq)
                            .doOnNext(acknowledged -> {
                                if (acknowledged) {
                                    s.acked.set(seq);
                                }
                            })
                            .onErrorResume(e -> {
                                error(failure, e);
                                return Mono.empty();
                            })
                            .then(Mono.delay(interval));
                })
                .repeat(running::get)
                .then();
    }

    private Mono<Void> requestLoop(WsClientPool pool) {
        return Mono.defer(() -> pool.request(WsMessage.ping())
                        .doOnNext(reply -> {
                            if (reply.is("pong")) {
                                requestsOk.increment();
                            } else {
                                error("unexpected reply", new IllegalStateException(reply.toString()));
                            }
                        })
                        .onErrorResume(e -> {
                            error("pool request failed", e);
                            return Mono.empty();
                        })
                        .then(Mono.delay(REQUEST_INTERVAL)))
                .repeat(running::get)
                .then();
    }

    private Mono<Void> churnLoop() {
        return Mono.defer(this::visit).repeat(running::get).then();
    }

    /** Connect, subscribe, receive for 1-3 s, wait for what is owed, check, disconnect. */
    private Mono<Void> visit() {
        Source source = sources.get(ThreadLocalRandom.current().nextInt(sources.size()));
        Duration stay = Duration.ofMillis(1000 + ThreadLocalRandom.current().nextInt(2000));
        return WsClient.create(client).connect()
                .onErrorResume(e -> {
                    error("connect failed", e);
                    return Mono.delay(Duration.ofMillis(200)).then(Mono.<WsConnection>empty());
                })
                .flatMap(conn -> {
                    connections.increment();
                    Visit v = new Visit(source);
                    Disposable rx = conn.receive().subscribe(v::onMessage);
                    Mono<Boolean> stayed = conn.request(WsMessage.subscribe(source.topic))
                            .doOnNext(reply -> v.owedAfter = source.sent.get())
                            .then(Mono.delay(stay))
                            .then(Mono.defer(() -> {
                                long owedUpTo = source.acked.get();
                                return Flux.interval(Duration.ofMillis(20))
                                        .filter(t -> v.last >= owedUpTo)
                                        .next()
                                        .timeout(OWED_WAIT, Mono.just(-1L))
                                        .thenReturn(Boolean.TRUE)
                                        .doOnNext(ok -> settle(v, owedUpTo));
                            }));
                    return stayed
                            .takeUntilOther(conn.onClose())
                            .switchIfEmpty(conn.onClose().map(st -> {
                                if (st.code() == 4001) {
                                    overflowed.increment();
                                } else {
                                    error("closed by the server", new IllegalStateException("close " + st.code() + " " + st.reason()));
                                }
                                return Boolean.FALSE;
                            }))
                            .onErrorResume(e -> {
                                error("subscriber failed", e);
                                return Mono.just(Boolean.FALSE);
                            })
                            .then(conn.close(1000, "bye").onErrorResume(e -> Mono.empty()))
                            .doFinally(sig -> {
                                rx.dispose();
                                synchronized (v) {
                                    delivered.add(v.got.size());
                                }
                            });
                })
                .then();
    }

    /** Counts what the visit was owed, (owedAfter, owedUpTo], and did not get; and anything out of order or twice. */
    private void settle(Visit v, long owedUpTo) {
        synchronized (v) {
            long prev = Long.MIN_VALUE;
            long owedGot = 0;
            for (long seq : v.got) {
                if (seq <= prev) {
                    disordered.increment();
                } else if (seq > v.owedAfter && seq <= owedUpTo) {
                    owedGot++;
                }
                prev = Math.max(prev, seq);
            }
            long owed = Math.max(0, owedUpTo - v.owedAfter);
            lost.add(owed - owedGot);
            visitsChecked.increment();
        }
    }
}
