package io.reactivewspool.bench.fanout;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Entry point of {@code benchmarks.jar}; the first argument picks the program.
 *
 * <pre>
 * java -jar benchmarks.jar bare-server        [--host=127.0.0.1] [--port=8080] [--path=/ws] [--threads=1] [--max-lifetime=2h]
 * java -jar benchmarks.jar handwritten-server [--host=127.0.0.1] [--port=8080] [--path=/ws] [--max-lifetime=2h]
 * java -jar benchmarks.jar loadgen [--server=NAME] [--scenario=NAME] [--host=127.0.0.1] [--port=8080[,PORT...]] [--path=/ws]
 *      [--subscribers=100] [--publishers=1] [--topic=bench.fanout] [--payload=64] [--rate=0 (0: as fast as allowed)]
 *      [--window=32] [--warmup=2s] [--duration=5s] [--drain=3s] [--source-addresses=1]
 *      [--stop-reading-fraction=0] [--idle] [--idle-wait=3s] [--server-pid=PID[,PID...]] [--broker-pid=PID]
 *      [--heap-check] [--queue-size=N] [--threads=1]
 *      [--connect-concurrency=256] [--connect-timeout=120s] [--json-file=PATH (appends the JSON line)]
 *      [--churn (connect, welcome, subscribe, close, connect-concurrency at a time, for warmup + duration)]
 * java -jar benchmarks.jar report --json-file=PATH
 * </pre>
 *
 * With several ports (one per server process), subscribers are spread round-robin over them and the
 * publishers connect to the first; CPU, allocation, heap and RSS are summed over the {@code --server-pid}s.
 * Allocation per delivery attaches to each server pid (JDK attach API, local JMX agent).
 *
 * A server runs until it is terminated or its {@code --max-lifetime} is over, so a forgotten server stops by
 * itself. The load generator decodes deliveries with {@link ServerFrameDecoder}; {@code -Dbench.nettyDecoder=true}
 * keeps Netty's frame decoder instead, to rule the lean one out when a server's output looks wrong.
 */
public final class FanoutMain {

    private FanoutMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            usage(System.err);
            System.exit(2);
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "bare-server" -> serve(rest, true);
            case "handwritten-server" -> serve(rest, false);
            case "loadgen" -> loadgen(rest);
            case "report" -> report(rest);
            default -> {
                usage(System.err);
                System.exit(2);
            }
        }
    }

    private static void serve(String[] args, boolean bare) throws InterruptedException {
        Options o = new Options(args, 0);
        String host = o.string("host", "127.0.0.1");
        int port = o.integer("port", 8080);
        String path = o.string("path", "/ws");
        int threads = bare ? o.integer("threads", 1) : 0;
        Duration maxLifetime = o.duration("max-lifetime", Duration.ofHours(2));
        o.rejectUnknown();
        FanoutServer server = bare
                ? BareFanoutServer.start(host, port, path, threads)
                : HandWrittenBroadcastServer.start(host, port, path);
        String name = bare ? "bare-server" : "handwritten-server";
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            server.close();
            System.out.println(name + " stopped, dropped " + server.dropped()
                    + (server instanceof HandWrittenBroadcastServer h
                            ? " (" + h.droppedNonSerialized() + " of them on concurrent emission)" : ""));
            stopped.countDown();
        }, name + "-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        System.out.println(name + " listening on " + host + ":" + server.port() + path + " (" + Transports.name()
                + ", pid " + ProcessHandle.current().pid() + ")");
        if (!stopped.await(maxLifetime.toMillis(), TimeUnit.MILLISECONDS)) {
            System.out.println(name + " reached --max-lifetime=" + maxLifetime + ", stopping");
            System.exit(0); // runs the hook
        }
    }

    private static void loadgen(String[] args) throws Exception {
        String jsonFile = null;
        String[] forConfig = args;
        for (int i = 0; i < args.length; i++) {
            if (args[i].startsWith("--json-file=")) {
                jsonFile = args[i].substring("--json-file=".length());
                forConfig = new String[args.length - 1];
                System.arraycopy(args, 0, forConfig, 0, i);
                System.arraycopy(args, i + 1, forConfig, i, args.length - i - 1);
                break;
            }
        }
        FanoutConfig config = FanoutConfig.parse(forConfig);
        System.out.println("loadgen: " + config.describe());
        FanoutResult result = config.churn() ? ChurnRun.run(config) : LoadGenerator.run(config);
        System.out.print(result.toHuman());
        String json = result.toJson();
        System.out.println(json);
        if (jsonFile != null) {
            Files.writeString(Path.of(jsonFile), json + System.lineSeparator(), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        System.exit(config.churn() ? (result.getLong("cycles") > 0 ? 0 : 3) : result.getLong("subscribeFailures") == 0 ? 0 : 3);
    }

    private static void report(String[] args) throws IOException {
        Options o = new Options(args, 0);
        String jsonFile = o.string("json-file", null);
        o.rejectUnknown();
        if (jsonFile == null) {
            throw new IllegalArgumentException("report needs --json-file=PATH");
        }
        System.out.print(FanoutReport.markdown(Files.readAllLines(Path.of(jsonFile), StandardCharsets.UTF_8)));
    }

    private static void usage(PrintStream out) {
        out.println("usage: java -jar benchmarks.jar bare-server|handwritten-server|loadgen|report [--option=value ...]");
        out.println("see the javadoc of io.reactivewspool.bench.fanout.FanoutMain and benchmarks/fanout.sh");
    }
}
