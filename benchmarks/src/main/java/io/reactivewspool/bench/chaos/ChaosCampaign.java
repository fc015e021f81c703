package io.reactivewspool.bench.chaos;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import io.reactivewspool.bench.fanout.ProcStats;
import io.reactivewspool.testsupport.LoopbackProcess;
import io.reactivewspool.testsupport.RedisServerProcess;
import io.reactivewspool.testsupport.TcpFaultProxy;

/**
 * The chaos campaign: three standalone-server hubs (both engines) sharing one redis-server with
 * history on, publishers and {@code WsTopicClient} subscribers on overlapping topics, everything
 * through a {@link TcpFaultProxy}; the seeded {@link FaultSchedule} breaks processes and paths while
 * messages flow, then the faults stop, the publishers stop, a probe per topic shows every
 * subscriber connected and subscribed again, and {@link ChaosChecker} judges what each party saw.
 *
 * <p>{@code java -jar benchmarks.jar chaos DURATION SEED --server-jar=PATH [--dir=PATH]}; exits 0
 * when nothing was lost silently, nothing duplicated, nothing received that was not published,
 * every hub stayed within its memory bound and every subscriber ended subscribed; 1 otherwise.
 * Run through {@code scripts/chaos.sh}.
 *
 * <pre>{@code
 * int exit = new ChaosCampaign(config).run();
 * }</pre>
 */
final class ChaosCampaign {

    static final int HUBS = 3;
    static final int SUBSCRIBERS = 6;
    static final int PUBLISHERS = 3;
    static final int PUBLISH_PER_SECOND = 15;
    static final List<String> TOPICS = List.of("chaos.t1", "chaos.t2", "chaos.t3", "chaos.t4");
    static final int HISTORY = 1000;
    /** Heap limit of each hub, and the bounds the run checks. */
    static final int HUB_XMX_MIB = 160;
    static final long RSS_BOUND_MIB = 480;
    static final long HEAP_AFTER_GC_BOUND_MIB = 64;
    /** A hub's JVM starts in 2-5 s on a quiet machine; on a loaded one it took minutes. */
    static final long HUB_START_TIMEOUT_MS = 300_000;
    static final long HEARTBEAT_MS = 1000;
    static final long CONNECTION_TIMEOUT_MS = 4000;
    static final Duration CLIENT_PING_INTERVAL = Duration.ofSeconds(1);
    static final Duration CLIENT_PING_TIMEOUT = Duration.ofMillis(2500);

    /** The command line: duration, seed, the standalone server jar and where logs go. */
    record Config(Duration duration, long seed, Path serverJar, Path dir) {
        /** Faults stop this long before the end; publishing goes on over it (recovery under load). */
        Duration settle() {
            return Duration.ofMillis(Math.max(15_000, duration.toMillis() / 10));
        }
    }

    private final Config config;
    private final long startNanos = System.nanoTime();
    private final TcpFaultProxy net = new TcpFaultProxy(2);
    private final Map<String, ChaosChecker.Publish> publishes = new ConcurrentHashMap<>();
    private final Map<String, LoopbackProcess> hubs = new LinkedHashMap<>();
    private final Map<String, Boolean> plannedDown = new ConcurrentHashMap<>();
    private final List<ChaosSubscriber> subscribers = new ArrayList<>();
    private final List<ChaosPublisher> publishers = new ArrayList<>();
    private final Map<FaultSchedule.Kind, AtomicInteger> faultCounts = new EnumMap<>(FaultSchedule.Kind.class);
    private final List<String> problems = new ArrayList<>();
    private final AtomicLong peakRssBytes = new AtomicLong();
    private final AtomicInteger unplannedExits = new AtomicInteger();
    private final AtomicInteger probeSeq = new AtomicInteger();
    private final AtomicInteger skipped = new AtomicInteger();
    private final ReentrantLock redisLock = new ReentrantLock();
    private RedisServerProcess redis;
    private List<String> probeUrls;
    /** Subscribers with a probe on each of their topics in the last probe round, as "n/6". */
    private volatile String resubscribed = "not checked";
    private volatile boolean tornDown;

    ChaosCampaign(Config config) {
        this.config = config;
        for (FaultSchedule.Kind k : FaultSchedule.Kind.values()) {
            faultCounts.put(k, new AtomicInteger());
        }
    }

    /** Runs the campaign and prints its summary; the process exit code (0: passed). */
    int run() throws Exception {
        Files.createDirectories(config.dir());
        LoopbackProcess.pidFile(config.dir().resolve("pids"));
        Thread hook = new Thread(this::tearDown, "chaos-teardown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return campaign();
        } finally {
            tearDown();
            Runtime.getRuntime().removeShutdownHook(hook);
        }
    }

    private int campaign() throws Exception {
        long faultsEnd = config.duration().minus(config.settle()).toMillis();
        List<FaultSchedule.Fault> schedule = FaultSchedule.draw(config.seed(), faultsEnd, HUBS, SUBSCRIBERS, PUBLISHERS);
        say("seed=%d duration=%ds settle=%ds hubs=%d subscribers=%d publishers=%d rate=%d/s topics=%d history=%d faults=%d, logs in %s",
                config.seed(), config.duration().toSeconds(), config.settle().toSeconds(), HUBS, SUBSCRIBERS, PUBLISHERS,
                PUBLISHERS * PUBLISH_PER_SECOND, TOPICS.size(), HISTORY, schedule.size(), config.dir());
        Files.writeString(config.dir().resolve("schedule.txt"), String.join("\n", schedule.stream().map(Object::toString).toList()) + "\n");

        redis = RedisServerProcess.startIn(config.dir());
        List<Future<?>> starting = new ArrayList<>();
        ExecutorService boot = Executors.newFixedThreadPool(HUBS);
        for (int h = 1; h <= HUBS; h++) {
            String name = "hub" + h;
            int redisRoute = net.route(name + "-redis", redis.port());
            int port = LoopbackProcess.freePort();
            LoopbackProcess hub = hubProcess(name, config.dir(), port,
                    List.of("-Xmx" + HUB_XMX_MIB + "m", "-Xss512k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                            "-XX:+ExitOnOutOfMemoryError"),
                    config.serverJar(), hubFlags(h, port, redisRoute));
            hubs.put(name, hub);
            plannedDown.put(name, false);
            starting.add(boot.submit(() -> {
                hub.start(Duration.ofMillis(HUB_START_TIMEOUT_MS));
                return null;
            }));
        }
        for (Future<?> f : starting) {
            f.get(HUB_START_TIMEOUT_MS + 60_000, TimeUnit.MILLISECONDS);
        }
        boot.shutdown();
        say("redis-server on %d, hubs on %s", redis.port(), hubs.values().stream().map(h -> h.name() + ":" + h.port()).toList());

        probeUrls = urls("probe");
        for (int s = 1; s <= SUBSCRIBERS; s++) {
            List<String> topics = List.of(TOPICS.get((s - 1) % TOPICS.size()), TOPICS.get(s % TOPICS.size()));
            List<String> urls = rotate(urls("sub" + s), s - 1);
            subscribers.add(new ChaosSubscriber("sub" + s, urls, topics, CLIENT_PING_INTERVAL, CLIENT_PING_TIMEOUT));
        }
        // Publishing starts once every subscriber has a message of each of its topics: it is subscribed.
        if (!probeUntilEveryoneHasOne("start", Duration.ofSeconds(120))) {
            problems.add("not every subscriber was subscribed 120 s after the start");
            return report(schedule);
        }
        for (int p = 1; p <= PUBLISHERS; p++) {
            ChaosPublisher pub = new ChaosPublisher("pub" + p, rotate(urls("pub" + p), p - 1), TOPICS, PUBLISH_PER_SECOND,
                    config.seed() * 31 + p, publishes);
            publishers.add(pub);
            pub.start();
        }
        long t0 = System.nanoTime();
        say("publishing; faults from now on");
        ScheduledExecutorService timers = Executors.newScheduledThreadPool(1);
        ExecutorService workers = Executors.newCachedThreadPool();
        timers.scheduleAtFixedRate(this::sampleHubs, 1, 2, TimeUnit.SECONDS);
        List<Future<?>> faultRuns = new ArrayList<>();
        for (FaultSchedule.Fault f : schedule) {
            long delay = f.atMillis() - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            faultRuns.add(timers.schedule(() -> workers.submit(() -> perform(f)), Math.max(0, delay), TimeUnit.MILLISECONDS));
        }
        long end = t0 + config.duration().toNanos();
        while (System.nanoTime() < end) {
            TimeUnit.MILLISECONDS.sleep(Math.min(1000, Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()))));
        }
        for (ChaosPublisher p : publishers) {
            p.stop();
        }
        long sent = publishers.stream().mapToLong(ChaosPublisher::sent).sum();
        long acks = publishers.stream().mapToLong(ChaosPublisher::acked).sum();
        say("publishers stopped: sent %d, acknowledged %d, without acknowledgement %d (failures incl. reconnects: %d)",
                sent, acks, sent - acks, publishers.stream().mapToLong(ChaosPublisher::failed).sum());
        // Faults ended before the settle period; a restart that is slow on a loaded machine may still run.
        workers.shutdown();
        if (!workers.awaitTermination(HUB_START_TIMEOUT_MS + 60_000, TimeUnit.MILLISECONDS)) {
            problems.add("a fault (restart) was still running " + (HUB_START_TIMEOUT_MS / 1000 + 60) + " s after the end");
        }
        timers.shutdownNow();
        if (!probeUntilEveryoneHasOne("end", Duration.ofSeconds(120))) {
            problems.add("not every subscriber was connected and subscribed to each of its topics 120 s after the end");
        }
        awaitQuiet(Duration.ofSeconds(3), Duration.ofSeconds(30));
        // jcmd takes seconds on a loaded machine: the three hubs at once.
        Map<LoopbackProcess, Future<Long>> heaps = new LinkedHashMap<>();
        ExecutorService jcmd = Executors.newFixedThreadPool(HUBS);
        for (LoopbackProcess h : hubs.values()) {
            if (h.isAlive()) {
                heaps.put(h, jcmd.submit(() -> ProcStats.heapUsedAfterGc(h.pid())));
            }
        }
        for (Map.Entry<LoopbackProcess, Future<Long>> e : heaps.entrySet()) {
            LoopbackProcess h = e.getKey();
            long heap = e.getValue().get(120, TimeUnit.SECONDS);
            say("%s (pid %d, started %d times): heap after full GC %.1f MiB, RSS %.1f MiB", h.name(), h.pid(), h.starts(),
                    heap / 1048576.0, ProcStats.rssBytes(h.pid()) / 1048576.0);
            if (heap > HEAP_AFTER_GC_BOUND_MIB * 1048576) {
                problems.add(h.name() + " heap after full GC " + heap / 1048576 + " MiB > bound " + HEAP_AFTER_GC_BOUND_MIB + " MiB");
            }
        }
        jcmd.shutdown();
        return report(schedule);
    }

    /** Both engines (hub2 on plain Netty), history on, short heartbeats, a slow reader disconnected (4001) rather than dropped. */
    private static List<String> hubFlags(int h, int port, int redisRoutePort) {
        return List.of("--host=127.0.0.1", "--port=" + port, "--publish-topics=chaos.*",
                "--redis=redis://127.0.0.1:" + redisRoutePort, "--history-size=" + HISTORY, "--queue-size=" + (2 * HISTORY),
                "--overflow=disconnect", "--heartbeat-ms=" + HEARTBEAT_MS, "--connection-timeout-ms=" + CONNECTION_TIMEOUT_MS,
                "--drain-ms=500", "--io-threads=1", "--admin-token=chaos-admin", "--engine=" + (h == 2 ? "netty" : "reactor-netty"));
    }

    private int report(List<FaultSchedule.Fault> schedule) throws IOException {
        Map<String, List<ChaosChecker.Entry>> logs = new LinkedHashMap<>();
        Map<String, List<String>> topicsBy = new LinkedHashMap<>();
        for (ChaosSubscriber s : subscribers) {
            logs.put(s.name(), s.log());
            topicsBy.put(s.name(), s.topics());
            for (String e : s.errors()) {
                problems.add(s.name() + " topic stream failed: " + e);
            }
        }
        ChaosChecker.Verdict v = ChaosChecker.check(publishes, logs, topicsBy);
        writeLogs(logs);
        long acked = publishes.values().stream().filter(ChaosChecker.Publish::acked).count();
        if (unplannedExits.get() > 0) {
            problems.add(unplannedExits.get() + " unplanned hub exits (see the hub logs)");
        }
        if (peakRssBytes.get() > RSS_BOUND_MIB * 1048576) {
            problems.add("hub RSS peaked at " + peakRssBytes.get() / 1048576 + " MiB > bound " + RSS_BOUND_MIB + " MiB");
        }
        StringBuilder kinds = new StringBuilder();
        int total = 0;
        for (Map.Entry<FaultSchedule.Kind, AtomicInteger> e : faultCounts.entrySet()) {
            kinds.append(kinds.length() == 0 ? "" : " ").append(e.getKey().name().toLowerCase(Locale.ROOT)).append('=').append(e.getValue().get());
            total += e.getValue().get();
        }
        for (String f : v.findings()) {
            say("FINDING %s", f);
        }
        for (String p : problems) {
            say("PROBLEM %s", p);
        }
        boolean passed = v.passed() && problems.isEmpty();
        say("summary seed=%d duration=%ds faults=%d/%d (%s; skipped %d) published=%d acknowledged=%d deliveries=%d gaps_reported=%d "
                        + "missed_but_told=%d silent_losses=%d duplicates=%d phantoms=%d out_of_order=%d unacked_delivered=%d "
                        + "hub_rss_peak_mib=%d (bound %d) subscribers_resubscribed=%s -> %s",
                config.seed(), config.duration().toSeconds(), total, schedule.size(), kinds, skipped.get(), publishes.size(), acked, v.deliveries(),
                v.gapsReported(), v.coveredByGap(), v.silentLosses(), v.duplicates(), v.phantoms(), v.outOfOrder(),
                v.unackedDelivered(), peakRssBytes.get() / 1048576, RSS_BOUND_MIB, resubscribed, passed ? "PASS" : "FAIL");
        return passed ? 0 : 1;
    }

    /** What every party saw, for a failing run's post-mortem: publishes.log and one file per subscriber. */
    private void writeLogs(Map<String, List<ChaosChecker.Entry>> logs) throws IOException {
        List<String> lines = new ArrayList<>();
        publishes.values().stream().sorted(Comparator.comparingLong(ChaosChecker.Publish::sentNanos))
                .forEach(p -> lines.add(String.format(Locale.ROOT, "%.3f %s %s via=%s ack=%s", (p.sentNanos() - startNanos) / 1e9,
                        p.id(), p.topic(), p.via(), p.acked() ? String.format(Locale.ROOT, "%.3f", (p.ackNanos() - startNanos) / 1e9) : "none")));
        Files.write(config.dir().resolve("publishes.log"), lines);
        for (Map.Entry<String, List<ChaosChecker.Entry>> e : logs.entrySet()) {
            List<String> out = new ArrayList<>();
            for (ChaosChecker.Entry x : e.getValue()) {
                out.add(String.format(Locale.ROOT, "%.3f %s %s", (x.atNanos() - startNanos) / 1e9, x.topic(),
                        x.gap() ? "GAP" : x.id() + " " + x.offset()));
            }
            Files.write(config.dir().resolve(e.getKey() + ".log"), out);
        }
    }

    // ------------------------------------------------------------ faults

    private void perform(FaultSchedule.Fault f) {
        long t = System.nanoTime();
        String what;
        try {
            what = switch (f.kind()) {
                case HUB_KILL, HUB_TERM -> {
                    LoopbackProcess hub = hubs.get(f.target());
                    // Faults keep to their times: a hub still restarting from an earlier fault, or the
                    // last hub up, is left alone (counted as skipped) rather than queued.
                    synchronized (plannedDown) {
                        long up = plannedDown.values().stream().filter(down -> !down).count();
                        if (plannedDown.get(hub.name()) || up <= 1) {
                            skipped.incrementAndGet();
                            yield "skipped (" + (plannedDown.get(hub.name()) ? "still restarting" : "the last hub up") + ")";
                        }
                        plannedDown.put(hub.name(), true);
                    }
                    String how;
                    if (f.kind() == FaultSchedule.Kind.HUB_KILL) {
                        hub.kill();
                        how = "killed";
                    } else {
                        int code = hub.terminate(Duration.ofSeconds(30));
                        how = "terminated (exit " + code + ")";
                    }
                    TimeUnit.MILLISECONDS.sleep(f.lengthMillis());
                    hub.start(Duration.ofMillis(HUB_START_TIMEOUT_MS));
                    plannedDown.put(hub.name(), false);
                    yield how + ", up again after " + ms(t) + " ms";
                }
                case REDIS_RESTART -> {
                    if (!redisLock.tryLock()) {
                        skipped.incrementAndGet();
                        yield "skipped (still restarting)";
                    }
                    try {
                        redis.kill();
                        TimeUnit.MILLISECONDS.sleep(f.lengthMillis());
                        redis.restart(Duration.ofSeconds(60));
                        yield "killed, up again (empty) after " + ms(t) + " ms";
                    } finally {
                        redisLock.unlock();
                    }
                }
                case FREEZE -> {
                    int n = net.freeze(f.target());
                    yield n + " links frozen";
                }
                case RESET -> net.reset(f.target()) + " links reset";
                case DELAY -> net.delay(f.target(), f.param(), f.lengthMillis()) + " routes delayed by " + f.param() + " ms";
                case STALL -> net.stall(f.target(), f.lengthMillis()) + " links not read for " + f.lengthMillis() + " ms";
            };
            if (!what.startsWith("skipped")) {
                faultCounts.get(f.kind()).incrementAndGet();
            }
        } catch (Exception e) {
            what = "FAILED: " + e;
            synchronized (problems) {
                problems.add("fault " + f + " failed: " + e);
            }
        }
        say("fault %s: %s", f, what);
    }

    private void sampleHubs() {
        for (LoopbackProcess h : hubs.values()) {
            if (h.isAlive()) {
                long rss = ProcStats.rssBytes(h.pid());
                peakRssBytes.accumulateAndGet(rss, Math::max);
            } else if (!plannedDown.getOrDefault(h.name(), true)) {
                unplannedExits.incrementAndGet();
                say("%s exited without a fault: see %s", h.name(), h.log());
                plannedDown.put(h.name(), true); // counted once
            }
        }
    }

    // ------------------------------------------------------------ probes

    /**
     * Publishes a probe to every topic, again every 5 s, until every subscriber has received a
     * probe of this round on each of its topics; false after {@code timeout}.
     */
    private boolean probeUntilEveryoneHasOne(String round, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, List<String>> probesByTopic = new ConcurrentHashMap<>();
        long nextProbe = 0;
        while (System.nanoTime() < deadline) {
            if (System.nanoTime() >= nextProbe) {
                for (String topic : TOPICS) {
                    String id = "probe-" + round + "-" + probeSeq.incrementAndGet();
                    if (ChaosPublisher.publishOnce(id, topic, probeUrls, publishes)) {
                        probesByTopic.computeIfAbsent(topic, k -> new ArrayList<>()).add(id);
                    }
                }
                nextProbe = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            }
            int ok = 0;
            for (ChaosSubscriber s : subscribers) {
                boolean all = true;
                for (String topic : s.topics()) {
                    boolean got = false;
                    for (String id : probesByTopic.getOrDefault(topic, List.of())) {
                        got |= s.received(topic, id);
                    }
                    all &= got;
                }
                if (all) {
                    ok++;
                }
            }
            resubscribed = ok + "/" + subscribers.size();
            if (ok == subscribers.size()) {
                say("probe round '%s': every subscriber has a probe on each of its topics", round);
                return true;
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
        say("probe round '%s': only %s subscribers have a probe on each of their topics", round, resubscribed);
        return false;
    }

    /** Waits until no subscriber received anything for {@code quiet}, at most {@code max}. */
    private void awaitQuiet(Duration quiet, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        long lastCount = -1;
        long lastChange = System.nanoTime();
        while (System.nanoTime() < deadline) {
            long count = subscribers.stream().mapToLong(s -> s.log().size()).sum();
            if (count != lastCount) {
                lastCount = count;
                lastChange = System.nanoTime();
            } else if (System.nanoTime() - lastChange >= quiet.toNanos()) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(250);
        }
    }

    // ------------------------------------------------------------ plumbing

    /** One route per hub for this client, as ws:// URLs through the proxy. */
    private List<String> urls(String client) {
        List<String> urls = new ArrayList<>();
        for (LoopbackProcess h : hubs.values()) {
            urls.add("ws://127.0.0.1:" + net.route(client + "-" + h.name(), h.port()) + "/ws");
        }
        return urls;
    }

    /**
     * The standalone server jar with these flags (port included); ready when it has logged that it
     * listens on its port (its log is appended across restarts: one more such line than before the
     * start) and the port answers. The log, not the port alone: another process of a busy machine may
     * have taken the port while this one still connects to Redis.
     */
    private static LoopbackProcess hubProcess(String name, Path dir, int port, List<String> jvmOptions, Path jar,
            List<String> flags) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-jar");
        cmd.add(jar.toString());
        cmd.addAll(flags);
        return new LoopbackProcess(name, port, cmd, dir.resolve(name + ".log"),
                "standalone server listening url=ws://127.0.0.1:" + port + "/", p -> LoopbackProcess.accepts(port));
    }

    private static List<String> rotate(List<String> list, int by) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            out.add(list.get((i + by) % list.size()));
        }
        return out;
    }

    private long ms(long sinceNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sinceNanos);
    }

    private void say(String format, Object... args) {
        String line = String.format(Locale.ROOT, "chaos %7.1fs ", (System.nanoTime() - startNanos) / 1e9)
                + String.format(Locale.ROOT, format, args);
        System.out.println(line);
    }

    private synchronized void tearDown() {
        if (tornDown) {
            return;
        }
        tornDown = true;
        for (ChaosSubscriber s : subscribers) {
            try {
                s.close();
            } catch (RuntimeException e) {
                // closing what is left
            }
        }
        LoopbackProcess.killAll();
        net.close();
    }
}
