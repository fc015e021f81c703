package io.reactivewspool.testsupport;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
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
 * A real {@code redis-server} process on a loopback port, without persistence (a restart is a new,
 * empty server), for tests and the chaos campaign. A missing binary is an error that says how to
 * install it, never a skip. The server is ready when it answers PING and is the process just started
 * (another run's redis-server may have taken the port between probing and binding it).
 *
 * <pre>{@code
 * try (RedisServerProcess redis = RedisServerProcess.start()) {
 *     String uri = redis.uri();      // redis://127.0.0.1:PORT
 *     redis.kill();                  // SIGKILL, as a crash
 *     redis.restart();               // same port, empty
 * }
 * }</pre>
 *
 * Not a public API of the project.
 */
public final class RedisServerProcess implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration RESTART_TIMEOUT = Duration.ofSeconds(30);
    private static final int START_ATTEMPTS = 5;

    private final LoopbackProcess process;
    private final Path dir;
    /** Whether {@link #close()} deletes {@link #dir}: a temporary directory of its own. */
    private final boolean ownsDir;

    private RedisServerProcess(int port, Path dir, boolean ownsDir, List<String> extraArgs, String sentinelConfig)
            throws IOException {
        this.dir = dir;
        this.ownsDir = ownsDir;
        List<String> cmd = new ArrayList<>(List.of(findBinary()));
        if (sentinelConfig != null) {
            // Written once: the Sentinel rewrites it as it learns, and a restart keeps what it learnt.
            Path conf = dir.resolve("sentinel.conf");
            Files.writeString(conf, sentinelConfig);
            cmd.addAll(List.of(conf.toString(), "--sentinel"));
        }
        cmd.addAll(List.of("--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--protected-mode", "no", "--daemonize", "no",
                "--dir", dir.toString(), "--loglevel", "warning"));
        cmd.addAll(extraArgs);
        this.process = new LoopbackProcess("redis", port, cmd, dir.resolve("redis.log"), null,
                p -> answersPing(port) && servedBy(p, port));
    }

    /** Starts a server on a free loopback port, in a temporary directory, and waits until it answers PING. */
    public static RedisServerProcess start() {
        return start(List.of());
    }

    /** The same, with more {@code redis-server} arguments ({@code --cluster-enabled yes}, {@code --replicaof …}). */
    public static RedisServerProcess start(List<String> extraArgs) {
        return start(null, extraArgs, null);
    }

    /**
     * A Sentinel ({@code redis-server sentinel.conf --sentinel}) whose config file holds
     * {@code config} (the {@code sentinel monitor …} lines); the Sentinel rewrites it as it learns.
     */
    public static RedisServerProcess startSentinel(String config) {
        return start(null, List.of(), config);
    }

    /**
     * Starts a server on a free loopback port whose log ({@code redis.log}) and files stay in
     * {@code dir}, which {@link #close()} leaves in place.
     */
    public static RedisServerProcess startIn(Path dir) {
        return start(dir, List.of(), null);
    }

    private static RedisServerProcess start(Path dir, List<String> extraArgs, String sentinelConfig) {
        Exception last = null;
        for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
            try {
                Path d = dir != null ? dir : Files.createTempDirectory("wspool-redis");
                RedisServerProcess redis = new RedisServerProcess(LoopbackProcess.freePort(), d, dir == null,
                        extraArgs, sentinelConfig);
                redis.process.launch(READY_TIMEOUT);
                return redis;
            } catch (IOException e) {
                last = e; // the port was taken between probing and binding: try another
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted starting redis-server", e);
            }
        }
        throw new IllegalStateException("could not start redis-server after " + START_ATTEMPTS + " attempts", last);
    }

    /** {@code redis://127.0.0.1:PORT}. */
    public String uri() {
        return "redis://127.0.0.1:" + port();
    }

    public int port() {
        return process.port();
    }

    public boolean isRunning() {
        return process.isAlive();
    }

    /** Kills the server with SIGKILL, as a crash would, and waits for it to be gone. */
    public void kill() {
        process.kill();
    }

    /** Starts the server again, empty, on the same port (after {@link #kill()}), trying for up to 30 s. */
    public void restart() {
        restart(RESTART_TIMEOUT);
    }

    /** Kills the server if it runs and starts it again, empty, on the same port, trying for up to {@code timeout}. */
    public void restart(Duration timeout) {
        kill();
        try {
            process.start(timeout); // the old socket may linger for a moment
        } catch (IOException e) {
            throw new IllegalStateException("could not restart redis-server on port " + port(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted restarting redis-server on port " + port(), e);
        }
    }

    @Override
    public void close() {
        kill();
        if (!ownsDir) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temp dir left behind is harmless
        }
    }

    /** Runs {@code redis-cli -p PORT args…} against this server and returns its output (empty when it fails). */
    public String command(String... args) {
        List<String> cmd = new ArrayList<>(List.of(cli(), "-h", "127.0.0.1", "-p", Integer.toString(port())));
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

    /** Whether the server answering on the port is the process {@code p}, by the pid it reports. */
    private static boolean servedBy(Process p, int port) {
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
}
