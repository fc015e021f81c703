package io.reactivewspool.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A server as a real child process on a fixed loopback port, so that it can be killed (SIGKILL),
 * terminated (SIGTERM) and started again on the same port, where clients and proxy routes point. Its
 * output is appended to one log across restarts. Every process ever started is kept in a registry
 * (and, once {@link #pidFile(Path)} is set, in a pid file), so that {@link #killAll()} from a shutdown
 * hook, or a script's trap, ends them whatever happens.
 *
 * <pre>{@code
 * LoopbackProcess hub = new LoopbackProcess("hub1", port, List.of("java", "-jar", jar, "--port", "" + port),
 *         dir.resolve("hub1.log"), "listening", p -> LoopbackProcess.accepts(port));
 * hub.start(Duration.ofSeconds(60));
 * hub.terminate(Duration.ofSeconds(30));
 * }</pre>
 *
 * Start, kill and terminate block the calling thread; not a public API of the project.
 */
public final class LoopbackProcess {

    /** Every process started and maybe still running. */
    private static final Set<Process> ALL = ConcurrentHashMap.newKeySet();
    private static volatile Path pidFile;

    private final String name;
    private final int port;
    private final List<String> command;
    private final Path log;
    /** A line the process logs once ready, or {@code null}: then {@link #probe} alone decides. */
    private final String readyLine;
    private final Predicate<Process> probe;
    private volatile Process process;
    private volatile int starts;

    /**
     * A process, not started yet, that serves {@code port}. It is ready when it has logged one more
     * {@code readyLine} than before its start (unless {@code null}) and {@code probe} accepts the
     * started process (say, the port answers, and is served by that pid, not by another program
     * that took the port).
     */
    public LoopbackProcess(String name, int port, List<String> command, Path log, String readyLine,
            Predicate<Process> probe) {
        this.name = name;
        this.port = port;
        this.command = List.copyOf(command);
        this.log = log;
        this.readyLine = readyLine;
        this.probe = probe;
    }

    /** Where the pids of started processes are appended (one a line), for a script's trap. */
    public static void pidFile(Path file) {
        pidFile = file;
    }

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    public Path log() {
        return log;
    }

    public boolean isAlive() {
        Process p = process;
        return p != null && p.isAlive();
    }

    /** The pid of the current process, or -1 before the first start. */
    public long pid() {
        Process p = process;
        return p == null ? -1 : p.pid();
    }

    /** Times this process was started. */
    public int starts() {
        return starts;
    }

    /**
     * Starts the process and waits until it is ready, trying again on the same port (a port still
     * held, a dependency restarting) until {@code timeout} has passed.
     */
    public synchronized void start(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        IOException last = null;
        do {
            try {
                launch(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
                return;
            } catch (IOException e) {
                last = e;
                TimeUnit.MILLISECONDS.sleep(100);
            }
        } while (System.nanoTime() < deadline);
        throw new IOException(name + " did not start on port " + port + " within " + timeout, last);
    }

    /**
     * One attempt: starts the process and waits up to {@code readyTimeout} until it is ready; when it
     * exits or is not ready in time it is killed and the exception quotes the end of its log.
     */
    public synchronized void launch(Duration readyTimeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + readyTimeout.toNanos();
        long linesBefore = readyLines();
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        ALL.add(p);
        recordPid(p.pid());
        boolean ready = false;
        while (p.isAlive() && !(ready = isReady(p, linesBefore)) && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(20);
        }
        if (ready && p.isAlive()) {
            process = p;
            starts++;
            return;
        }
        String failure = p.isAlive() ? "not ready within " + readyTimeout : "exited with " + p.exitValue();
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        ALL.remove(p);
        throw new IOException(name + " on port " + port + ": " + failure + "; end of " + log + ":\n" + logTail());
    }

    private boolean isReady(Process p, long readyLinesBefore) {
        return (readyLine == null || readyLines() > readyLinesBefore) && probe.test(p);
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

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(no log)";
        }
    }

    /** SIGKILL, as a crash would, and waits until the process is gone. */
    public void kill() {
        Process p = process;
        if (p != null) {
            try {
                p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ALL.remove(p);
        }
    }

    /** SIGTERM, waits up to {@code grace} for the exit, then SIGKILL; returns the exit code, or -1 when killed. */
    public int terminate(Duration grace) throws InterruptedException {
        Process p = process;
        if (p == null) {
            return -1;
        }
        p.destroy();
        if (p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            ALL.remove(p);
            return p.exitValue();
        }
        kill();
        return -1;
    }

    /** Kills every process ever started that is still running (for a shutdown hook). */
    public static void killAll() {
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

    /** A loopback port free now (another process may take it before it is bound: start with retries). */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    /** Whether {@code 127.0.0.1:port} accepts a connection within 200 ms. */
    public static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static synchronized void recordPid(long pid) {
        Path f = pidFile;
        if (f != null) {
            try {
                Files.writeString(f, pid + "\n", StandardCharsets.US_ASCII,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                System.err.println("cannot write pid file " + f + ": " + e);
            }
        }
    }
}
