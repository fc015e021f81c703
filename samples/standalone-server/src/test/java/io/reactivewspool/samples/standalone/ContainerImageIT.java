package io.reactivewspool.samples.standalone;

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
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.reactivewspool.test.ReactorNettyTestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The container image ({@code mvn -Pimage package}: target/standalone-server-image.tar) run the
 * way a container runtime runs it, without one: its layers extracted in the order of its
 * manifest, its entrypoint started from its config inside that root only ({@code chroot}), as the
 * config's user, as PID 1 of its own PID namespace with its own /proc and the /dev nodes a runtime
 * gives. Then over loopback: the health endpoints, a WebSocket upgrade and its welcome; SIGTERM
 * closes the client with 1001 and the process exits.
 *
 * <p>Needs root (chroot, namespaces), {@code unshare} and {@code tar}; skipped with the reason
 * otherwise, and when the image was not built (the {@code image} profile, which
 * {@code scripts/test.sh} turns on).
 */
class ContainerImageIT {

    private static final Path IMAGE = Path.of(System.getProperty("basedir", "."), "target/standalone-server-image.tar");
    private static final Pattern URL = Pattern.compile("url=ws://[^:/]+:(\\d+)/ws");
    private static final Duration T = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Path work;
    private Process runtime;

    @BeforeEach
    void preconditions() throws IOException, InterruptedException {
        assumeTrue(Files.isRegularFile(IMAGE), "no " + IMAGE + ": build the image with `mvn -Pimage package` (scripts/test.sh does)");
        assumeTrue("0".equals(run("id", "-u").strip()), "running a container's root needs root (chroot, mount namespaces)");
        assumeTrue(new ProcessBuilder("sh", "-c", "command -v unshare && command -v chroot && command -v tar").start().waitFor() == 0,
                "unshare, chroot and tar are needed");
        // A container without CAP_SYS_ADMIN (many CI runners) refuses new namespaces even to root.
        assumeTrue(new ProcessBuilder("unshare", "--mount", "--pid", "--fork", "true").start().waitFor() == 0,
                "this machine refuses new mount and pid namespaces (unshare --mount --pid), so no container can run here");
        work = Files.createTempDirectory("wspool-image");
    }

    @AfterEach
    void cleanUp() throws IOException {
        if (runtime != null && runtime.isAlive()) {
            runtime.descendants().forEach(ProcessHandle::destroyForcibly);
            runtime.destroyForcibly();
        }
        if (work != null) {
            try (Stream<Path> all = Files.walk(work)) {
                all.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES) // extracts 60 MB and starts a JVM: past the default 120 s on a loaded machine
    void theImageServesAsItsNonRootUserAndStopsOnSigterm() throws Exception {
        Path image = Files.createDirectories(work.resolve("image"));
        run("tar", "--warning=no-unknown-keyword", "-xf", IMAGE.toString(), "-C", image.toString());
        JsonMapper json = JsonMapper.shared();
        JsonNode manifest = json.readTree(image.resolve("manifest.json").toFile()).get(0);
        JsonNode config = json.readTree(image.resolve(manifest.get("Config").asString()).toFile()).get("config");

        // What the config promises.
        assertThat(config.get("User").asString()).isEqualTo("65532:65532");
        assertThat(config.get("ExposedPorts").has("8080/tcp")).isTrue();
        List<String> entrypoint = strings(config.get("Entrypoint"));
        assertThat(entrypoint.get(0)).isEqualTo("/opt/java/bin/java");
        assertThat(strings(config.get("Cmd"))).containsExactly("--host=0.0.0.0", "--port=8080");
        assertThat(strings(config.get("Env"))).contains("JAVA_HOME=/opt/java");

        Path root = Files.createDirectories(work.resolve("root"));
        for (JsonNode layer : manifest.get("Layers")) {
            run("tar", "--warning=no-unknown-keyword", "-xf", image.resolve(layer.asString()).toString(), "-C", root.toString());
        }
        assertThat(root.resolve("bin/sh")).as("no shell in the image").doesNotExist();
        assertThat(Files.readString(root.resolve("etc/passwd"))).contains("wspool:x:65532:65532:");

        // What a runtime provides: /proc (mounted by unshare in the new namespaces), /dev nodes, a private mount table.
        Files.createDirectories(root.resolve("proc"));
        Path dev = Files.createDirectories(root.resolve("dev"));
        StringBuilder binds = new StringBuilder();
        for (String node : List.of("null", "zero", "random", "urandom")) {
            Files.createFile(dev.resolve(node));
            binds.append("mount --bind /dev/").append(node).append(' ').append(dev.resolve(node)).append(" && ");
        }
        int uid = Integer.parseInt(config.get("User").asString().split(":")[0]);
        List<String> cmd = new ArrayList<>(List.of("unshare", "--mount", "--pid", "--fork", "--mount-proc=" + root.resolve("proc"),
                "sh", "-c", binds + "exec chroot --userspec=" + config.get("User").asString() + " \"$0\" \"$@\"",
                root.toString()));
        cmd.addAll(entrypoint);
        // As `docker run IMAGE --host=127.0.0.1 --port=0`: arguments replace the config's Cmd.
        cmd.addAll(List.of("--host=127.0.0.1", "--port=0", "--drain-ms=0"));
        Path log = work.resolve("server.log");
        runtime = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();

        await().atMost(T).until(() -> !runtime.isAlive() || URL.matcher(Files.readString(log)).find());
        assertThat(runtime.isAlive()).as("the image's entrypoint exited: %s", Files.readString(log)).isTrue();
        Matcher m = URL.matcher(Files.readString(log));
        assertThat(m.find()).isTrue();
        String http = "http://127.0.0.1:" + m.group(1);

        // The server is PID 1 of its namespace and runs as the image's user.
        ProcessHandle server = runtime.toHandle().children().findFirst().orElseThrow();
        String status = Files.readString(Path.of("/proc/" + server.pid() + "/status"));
        assertThat(status).containsPattern("(?m)^Uid:\\s+" + uid + "\\s+" + uid + "\\s+" + uid + "\\s+" + uid + "$");
        assertThat(status).containsPattern("(?m)^NSpid:\\s+" + server.pid() + "\\s+1$");

        // The first answers of a cold JVM on a busy machine can take seconds: retried until the deadline.
        await().atMost(T).ignoreExceptions().untilAsserted(() ->
                assertThat(get(http + "/health/live")).isEqualTo("200 {\"status\":\"UP\"}"));
        assertThat(get(http + "/health/ready")).startsWith("200 {\"status\":\"UP\"");
        ReactorNettyTestClient client = ReactorNettyTestClient.connect("ws://127.0.0.1:" + m.group(1) + "/ws");
        assertThat(client.welcome().data().get("connection_id").asString()).isNotBlank();

        server.destroy(); // SIGTERM
        assertThat(client.awaitCloseCode()).isEqualTo(1001);
        assertThat(runtime.waitFor(T.toSeconds(), TimeUnit.SECONDS)).as("exited after SIGTERM").isTrue();
        // 143: the JVM's exit on SIGTERM once its shutdown hook is done.
        assertThat(runtime.exitValue()).as(Files.readString(log)).isEqualTo(143);
        assertThat(Files.readString(log)).contains("shutdown requested").contains("wsserver stopped");
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        Optional.ofNullable(array).ifPresent(a -> a.forEach(n -> out.add(n.asString())));
        return out;
    }

    private static String get(String url) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body();
    }

    /** Runs a command to its end and returns its output; fails on a non-zero exit. */
    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("%s finished", List.of(cmd)).isTrue();
        assertThat(p.exitValue()).as("%s: %s", List.of(cmd), out).isZero();
        return out;
    }
}
