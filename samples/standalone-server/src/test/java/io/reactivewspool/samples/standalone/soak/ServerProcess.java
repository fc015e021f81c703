package io.reactivewspool.samples.standalone.soak;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The packaged standalone server ({@code java -jar standalone-server.jar}) as a child process on
 * 127.0.0.1 and an ephemeral port, with its log in a file, its admin API, and its memory as the
 * operating system and the JVM (through {@code jcmd}) report it. Calls block: for the driver's
 * main thread only.
 */
final class ServerProcess implements AutoCloseable {

    static final String ADMIN_TOKEN = "SOAK-ADMIN";
    private static final Pattern URL = Pattern.compile("url=ws://[^:/\\s]+:(\\d+)(/\\S*)");
    private static final Pattern HEAP_USED = Pattern.compile("heap\\s+total \\d+K, used (\\d+)K");
    private static final Pattern RSS = Pattern.compile("VmRSS:\\s+(\\d+) kB");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Process process;
    private final Path log;
    private final int port;
    private final String path;

    /** Memory of the server process: JVM heap in use (after a full GC when so measured) and resident set size, in KiB. */
    record Memory(long heapUsedKib, long rssKib) {
    }

    private ServerProcess(Process process, Path log, int port, String path) {
        this.process = process;
        this.log = log;
        this.port = port;
        this.path = path;
    }

    /** Starts the jar with the JVM options and server flags given and waits for the URL it logs. */
    static ServerProcess launch(File jar, List<String> jvmOptions, List<String> flags) throws IOException, InterruptedException {
        if (!jar.isFile()) {
            throw new IllegalStateException(jar + " does not exist: build it with "
                    + "`mvn -pl samples/standalone-server -am -DskipTests package`");
        }
        Path log = Files.createTempFile("soak-server", ".log");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-jar");
        cmd.add(jar.getPath());
        cmd.add("--host=127.0.0.1");
        cmd.add("--port=0");
        cmd.add("--admin-token=" + ADMIN_TOKEN);
        cmd.addAll(flags);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("standalone server exited with " + p.exitValue() + ": " + Files.readString(log));
            }
            Matcher m = URL.matcher(Files.readString(log, StandardCharsets.UTF_8));
            if (m.find()) {
                return new ServerProcess(p, log, Integer.parseInt(m.group(1)), m.group(2));
            }
            Thread.sleep(50);
        }
        p.destroyForcibly();
        throw new IllegalStateException("standalone server logged no url= line within 60 s: " + Files.readString(log));
    }

    String wsUrl() {
        return "ws://127.0.0.1:" + port + path;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    Path log() {
        return log;
    }

    /** {@code GET /stats} of the admin API. */
    JsonNode stats() throws IOException, InterruptedException {
        return admin(HttpRequest.newBuilder(adminUri("/stats")).GET());
    }

    /** {@code POST /broadcast}: the number of connections the hub reached. */
    CompletableFuture<Integer> broadcastAsync(String topic, String type, String dataJson) {
        String body = "{\"topic\":\"" + topic + "\",\"message_type\":\"" + type + "\",\"data\":" + dataJson + "}";
        HttpRequest req = HttpRequest.newBuilder(adminUri("/broadcast"))
                .header("Authorization", "Bearer " + ADMIN_TOKEN).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return HTTP.sendAsync(req, HttpResponse.BodyHandlers.ofString()).thenApply(r -> {
            if (r.statusCode() != 200) {
                throw new IllegalStateException("POST /broadcast answered " + r.statusCode() + ": " + r.body());
            }
            return JsonMapper.shared().readTree(r.body()).get("reached").asInt();
        });
    }

    private URI adminUri(String op) {
        return URI.create("http://127.0.0.1:" + port + "/api/admin/websockets" + op);
    }

    private JsonNode admin(HttpRequest.Builder b) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(b.header("Authorization", "Bearer " + ADMIN_TOKEN).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("admin API answered " + r.statusCode() + ": " + r.body());
        }
        return JsonMapper.shared().readTree(r.body());
    }

    /** Forces a full GC in the server ({@code jcmd PID GC.run}), then reads the heap in use and the RSS. */
    Memory memoryAfterFullGc() throws IOException, InterruptedException {
        jcmd("GC.run");
        Matcher m = HEAP_USED.matcher(jcmd("GC.heap_info"));
        if (!m.find()) {
            throw new IOException("no 'used NK' in jcmd GC.heap_info output");
        }
        return new Memory(Long.parseLong(m.group(1)), rssKib());
    }

    private long rssKib() throws IOException {
        Path status = Path.of("/proc", Long.toString(pid()), "status");
        if (!Files.isReadable(status)) {
            return -1; // not Linux: RSS is reported as unknown
        }
        Matcher m = RSS.matcher(Files.readString(status));
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private String jcmd(String command) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(Files.isExecutable(jcmd) ? jcmd.toString() : "jcmd", Long.toString(pid()), command)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("jcmd " + pid() + " " + command + " failed: " + out);
        }
        return out;
    }

    /** SIGTERM (the server closes its connections with 1001), then waits; the exit code, or -1 when it had to be killed. */
    int stop() throws InterruptedException {
        process.destroy();
        if (process.waitFor(60, TimeUnit.SECONDS)) {
            return process.exitValue();
        }
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        return -1;
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
