package io.reactivewspool.test;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real {@code redis-server} process on a random loopback port, for tests. A missing binary is
 * an error that says how to install it, never a skip.
 *
 * <pre>{@code
 * try (RedisServerProcess redis = RedisServerProcess.start()) {
 *     String uri = redis.uri();      // redis://127.0.0.1:PORT
 *     redis.kill();                  // SIGKILL, as a crash
 *     redis.restart();               // same port
 * }
 * }</pre>
 */
public final class RedisServerProcess implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(15);

    private final String binary;
    private final int port;
    private final Path dir;
    /** Arguments after the common ones: a config file and {@code --sentinel}, cluster flags, replication. */
    private final List<String> extraArgs;
    private final String sentinelConfig;
    private Process process;

    private RedisServerProcess(String binary, int port, Path dir, List<String> extraArgs, String sentinelConfig) {
        this.binary = binary;
        this.port = port;
        this.dir = dir;
        this.extraArgs = List.copyOf(extraArgs);
        this.sentinelConfig = sentinelConfig;
    }

    /** Starts a server on a free loopback port and waits until it answers PING. */
    public static RedisServerProcess start() {
        return start(List.of());
    }

    /** The same, with more {@code redis-server} arguments ({@code --cluster-enabled yes}, {@code --replicaof …}). */
    public static RedisServerProcess start(List<String> extraArgs) {
        return start(extraArgs, null);
    }

    /**
     * A Sentinel ({@code redis-server sentinel.conf --sentinel}) whose config file holds
     * {@code config} (the {@code sentinel monitor …} lines); the Sentinel rewrites it as it learns.
     */
    public static RedisServerProcess startSentinel(String config) {
        return start(List.of(), config);
    }

    private static RedisServerProcess start(List<String> extraArgs, String sentinelConfig) {
        String binary = findBinary();
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            try {
                Path dir = Files.createTempDirectory("wspool-redis");
                RedisServerProcess redis = new RedisServerProcess(binary, freePort(), dir, extraArgs, sentinelConfig);
                redis.launch();
                return redis;
            } catch (IOException e) {
                last = e; // the port was taken between probing and binding: try another
            }
        }
        throw new IllegalStateException("could not start redis-server after 5 attempts", last);
    }

    /** {@code redis://127.0.0.1:PORT}. */
    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Kills the server with SIGKILL, as a crash would, and waits for it to be gone. */
    public void kill() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Starts the server again on the same port (after {@link #kill()}). */
    public void restart() {
        kill();
        IOException last = null;
        for (int attempt = 0; attempt < 20; attempt++) {
            try {
                launch();
                return;
            } catch (IOException e) {
                last = e; // the old socket may linger for a moment
                pause(100);
            }
        }
        throw new IllegalStateException("could not restart redis-server on port " + port, last);
    }

    @Override
    public void close() {
        kill();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temp dir left behind is harmless
        }
    }

    /** Runs {@code redis-cli -p PORT args…} against this server and returns its output (empty when it fails). */
    public String command(String... args) {
        List<String> cmd = new ArrayList<>(List.of(cli(), "-h", "127.0.0.1", "-p", Integer.toString(port)));
        cmd.addAll(List.of(args));
        try {
            return run(cmd, Duration.ofSeconds(10));
        } catch (IllegalStateException e) {
            return "";
        }
    }

    /** The {@code redis-cli} beside the {@code redis-server} binary. */
    public static String cli() {
        File cli = new File(new File(findBinary()).getParentFile(), "redis-cli");
        if (!cli.canExecute()) {
            throw new IllegalStateException("redis-cli is not installed beside " + findBinary()
                    + ": `sudo apt-get install redis-tools`");
        }
        return cli.getPath();
    }

    /** Runs a command, waits at most {@code timeout} and returns its output (stdout and stderr). */
    public static String run(List<String> cmd, Duration timeout) {
        try {
            Path out = Files.createTempFile("wspool-redis-cli", ".out");
            try {
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    throw new IllegalStateException(cmd + " did not finish within " + timeout);
                }
                String text = Files.readString(out);
                if (p.exitValue() != 0) {
                    throw new IllegalStateException(cmd + " exited with " + p.exitValue() + ": " + text);
                }
                return text;
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new IllegalStateException("could not run " + cmd, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + cmd, e);
        }
    }

    private void launch() throws IOException {
        List<String> cmd = new ArrayList<>(List.of(binary));
        if (sentinelConfig != null) {
            Path conf = dir.resolve("sentinel.conf");
            if (!Files.exists(conf)) {
                Files.writeString(conf, sentinelConfig);
            }
            cmd.addAll(List.of(conf.toString(), "--sentinel"));
        }
        cmd.addAll(List.of("--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--protected-mode", "no", "--daemonize", "no",
                "--dir", dir.toString(), "--loglevel", "warning"));
        cmd.addAll(extraArgs);
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis.log").toFile())
                .start();
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IOException("redis-server exited with " + p.exitValue() + ": " + readLog());
            }
            if (answersPing() && servedBy(p)) {
                this.process = p;
                return;
            }
            pause(20);
        }
        p.destroyForcibly();
        throw new IOException("redis-server did not answer PING on port " + port + " within " + READY_TIMEOUT
                + " (or another process answered there): " + readLog());
    }

    private boolean answersPing() {
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

    /**
     * Whether the server answering on the port is the process just started: another test run's
     * redis-server may have taken the port between probing it and binding it.
     */
    private boolean servedBy(Process p) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            s.setSoTimeout(500);
            s.getOutputStream().write("INFO server\r\n".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            byte[] buf = new byte[8192];
            int n = 0;
            long deadline = System.nanoTime() + 500_000_000L;
            String text = "";
            while (System.nanoTime() < deadline && !text.contains("process_id:")) {
                int r = s.getInputStream().read(buf, n, buf.length - n);
                if (r < 0) {
                    break;
                }
                n += r;
                text = new String(buf, 0, n, StandardCharsets.US_ASCII);
            }
            Matcher m = Pattern.compile("process_id:(\\d+)").matcher(text);
            return m.find() && Long.parseLong(m.group(1)) == p.pid();
        } catch (IOException e) {
            return false;
        }
    }

    private String readLog() {
        try {
            return Files.readString(dir.resolve("redis.log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static String findBinary() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            File f = new File(dir, "redis-server");
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        for (String candidate : List.of("/usr/bin/redis-server", "/usr/local/bin/redis-server", "/usr/sbin/redis-server")) {
            if (new File(candidate).canExecute()) {
                return candidate;
            }
        }
        throw new IllegalStateException("redis-server is not installed, and the Redis broker tests need a real one: "
                + "run ./scripts/test.sh (it installs it), or `sudo apt-get install redis-server`");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
