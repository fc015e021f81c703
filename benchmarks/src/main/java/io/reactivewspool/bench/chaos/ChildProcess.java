package io.reactivewspool.bench.chaos;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * A hub or the redis-server of the campaign as a real child process on a fixed loopback port, so
 * that it can be killed (SIGKILL), terminated (SIGTERM) and started again where the proxy's
 * routes point. Every process ever started is in {@link #ALL} and in the pid file, so that the JVM's
 * shutdown hook and the script's trap end them whatever happens.
 *
 * <pre>{@code
 * ChildProcess redis = ChildProcess.redis(dir, ChildProcess.freePort());
 * redis.start();
 * redis.kill();
 * }</pre>
 */
final class ChildProcess {

    /** Every process started and maybe still running. */
    static final Set<Process> ALL = ConcurrentHashMap.newKeySet();
    private static volatile Path pidFile;

    private final String name;
    private final int port;
    private final List<String> command;
    private final Path log;
    private final BooleanSupplier ready;
    /** A line the process logs once ready (with its port), or {@code null}: then {@link #ready} alone decides. */
    private final String readyLine;
    private volatile Process process;
    private volatile int starts;

    private ChildProcess(String name, int port, List<String> command, Path log, BooleanSupplier ready, String readyLine) {
        this.name = name;
        this.port = port;
        this.command = List.copyOf(command);
        this.log = log;
        this.ready = ready;
        this.readyLine = readyLine;
    }

    /** Where the pids of started processes are appended (one a line), for the script's trap. */
    static void pidFile(Path file) {
        pidFile = file;
    }

    /** redis-server without persistence: a restart is a new, empty history (a new epoch). */
    static ChildProcess redis(Path dir, int port) {
        List<String> cmd = List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--protected-mode", "no", "--daemonize", "no",
                "--dir", dir.toString(), "--loglevel", "warning");
        return new ChildProcess("redis", port, cmd, dir.resolve("redis.log"), () -> answersPing(port), null);
    }

    /**
     * The standalone server jar with these flags (port included); ready when it has logged that it
     * listens on its port (its log is appended across restarts: one more such line than before the
     * start) and the port answers. The log, not the port alone: another process of a busy machine may
     * have taken the port while this one still connects to Redis.
     */
    static ChildProcess hub(String name, Path dir, int port, List<String> jvmOptions, Path jar, List<String> flags) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-jar");
        cmd.add(jar.toString());
        cmd.addAll(flags);
        return new ChildProcess(name, port, cmd, dir.resolve(name + ".log"), () -> accepts(port),
                "standalone server listening url=ws://127.0.0.1:" + port + "/");
    }

    String name() {
        return name;
    }

    int port() {
        return port;
    }

    Path log() {
        return log;
    }

    boolean isAlive() {
        Process p = process;
        return p != null && p.isAlive();
    }

    long pid() {
        Process p = process;
        return p == null ? -1 : p.pid();
    }

    /** Times this process was started. */
    int starts() {
        return starts;
    }

    /**
     * Starts the process and waits until it is ready, trying again (a port still held, Redis
     * restarting under a hub that connects to it at startup) until {@code timeoutMillis} has passed.
     */
    synchronized void start(long timeoutMillis) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        String lastFailure = "";
        while (System.nanoTime() < deadline) {
            long linesBefore = readyLines();
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            Process p = pb.start();
            ALL.add(p);
            recordPid(p.pid());
            while (System.nanoTime() < deadline && p.isAlive() && !isReady(linesBefore)) {
                Thread.sleep(50);
            }
            if (p.isAlive() && isReady(linesBefore)) {
                process = p;
                starts++;
                return;
            }
            lastFailure = p.isAlive() ? "not ready" : "exited with " + p.exitValue();
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            ALL.remove(p);
            Thread.sleep(200);
        }
        throw new IOException(name + " did not start on port " + port + " within " + timeoutMillis + " ms ("
                + lastFailure + "), see " + log);
    }

    private boolean isReady(long readyLinesBefore) {
        return (readyLine == null || readyLines() > readyLinesBefore) && ready.getAsBoolean();
    }

    private long readyLines() {
        if (readyLine == null || !Files.exists(log)) {
            return 0;
        }
        try (Stream<String> lines = Files.lines(log, StandardCharsets.UTF_8)) {
            return lines.filter(l -> l.contains(readyLine)).count();
        } catch (IOException | UncheckedIOException e) {
            return 0;
        }
    }

    /** SIGKILL, and waits until the process is gone. */
    void kill() throws InterruptedException {
        Process p = process;
        if (p != null) {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            ALL.remove(p);
        }
    }

    /** SIGTERM, waits up to {@code graceMillis} for the exit, then SIGKILL; returns the exit code or -1 when killed. */
    int terminate(long graceMillis) throws InterruptedException {
        Process p = process;
        if (p == null) {
            return -1;
        }
        p.destroy();
        if (p.waitFor(graceMillis, TimeUnit.MILLISECONDS)) {
            ALL.remove(p);
            return p.exitValue();
        }
        kill();
        return -1;
    }

    /** Kills every process ever started that is still running (shutdown hook). */
    static void killAll() {
        for (Process p : ALL) {
            p.destroyForcibly();
        }
        for (Process p : ALL) {
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** A loopback port free now. */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    private static synchronized void recordPid(long pid) {
        Path f = pidFile;
        if (f != null) {
            try {
                Files.writeString(f, pid + "\n", StandardCharsets.US_ASCII,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                System.err.println("chaos: cannot write pid file " + f + ": " + e);
            }
        }
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean answersPing(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            s.setSoTimeout(500);
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[7];
            int n = in.read(buf);
            return n > 0 && new String(buf, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
        } catch (IOException e) {
            return false;
        }
    }
}
