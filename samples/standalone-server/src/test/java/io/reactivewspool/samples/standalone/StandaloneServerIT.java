package io.reactivewspool.samples.standalone;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.reactivewspool.message.WsMessage;
import io.reactivewspool.test.AdminHttp;
import io.reactivewspool.test.ReactorNettyTestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Runs the packaged jar as a separate process, the way tests and benchmarks use it. */
class StandaloneServerIT {

    private static final Pattern URL = Pattern.compile("url=(ws://\\S+)");

    private static ProcessBuilder jar(String... flags) {
        File jar = new File(System.getProperty("basedir", "."), "target/standalone-server.jar");
        assertThat(jar).exists();
        List<String> cmd = new ArrayList<>(List.of(System.getProperty("java.home") + "/bin/java", "-jar", jar.getPath()));
        cmd.addAll(List.of(flags));
        return new ProcessBuilder(cmd);
    }

    @ParameterizedTest(name = "--engine={0}")
    @ValueSource(strings = {"reactor-netty", "netty"})
    void servesTheProtocolAndClosesClientsWith1001OnSigterm(String engine) throws Exception {
        File log = File.createTempFile("standalone-server", ".log");
        log.deleteOnExit();
        Process p = jar("--port=0", "--host=127.0.0.1", "--publish-topics=pub.*", "--admin-token=SECRET",
                "--token=alice=ALICE_TOKEN", "--token=bob=BOB_TOKEN", "--max-frame-bytes=65536", "--drain-ms=0",
                "--engine=" + engine)
                .redirectErrorStream(true).redirectOutput(log).start();
        Supplier<List<String>> lines = () -> {
            try {
                return Files.readAllLines(log.toPath(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        };
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> lines.get().stream().anyMatch(l -> URL.matcher(l).find()));
            Matcher m = URL.matcher(lines.get().stream().filter(l -> URL.matcher(l).find()).findFirst().orElseThrow());
            assertThat(m.find()).isTrue();
            String url = m.group(1).replace("localhost", "127.0.0.1");
            String http = url.replace("ws://", "http://").replace("/ws", "");

            ReactorNettyTestClient alice = ReactorNettyTestClient.connect(url + "?token=ALICE_TOKEN");
            assertThat(alice.welcome().data().get("user_id").asString()).isEqualTo("alice");
            ReactorNettyTestClient bob = ReactorNettyTestClient.connect(url, Map.of("Authorization", "Bearer BOB_TOKEN"));
            bob.welcome();
            bob.send(WsMessage.subscribe("pub.chat"));
            bob.next("subscribed");
            alice.send(WsMessage.publish("pub.chat", Map.of("text", "hi")).withId("p1"));
            assertThat(alice.next().type()).isEqualTo("published");
            assertThat(bob.next().data().get("text").asString()).isEqualTo("hi");
            alice.send(WsMessage.publish("private", Map.of()).withId("p2"));
            assertThat(alice.next().type()).isEqualTo("error");
            assertThat(ReactorNettyTestClient.start(url + "?token=WRONG", Map.of()).handshakeStatus()).isEqualTo(401);

            assertThat(AdminHttp.get(http + "/api/admin/websockets/stats", "SECRET").json().get("active_connections").asInt())
                    .isEqualTo(2);
            assertThat(AdminHttp.get(http + "/api/admin/websockets/stats", null).status()).isEqualTo(401);
            assertThat(AdminHttp.get(http + "/api/admin/websockets/stats", "WRONG").status()).isEqualTo(403);

            p.destroy(); // SIGTERM
            assertThat(alice.awaitCloseCode()).isEqualTo(1001);
            assertThat(bob.awaitCloseCode()).isEqualTo(1001);
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(String.join("\n", lines.get())).contains("upgrade refused status=401").contains("hub closed")
                    .contains("engine=" + engine.toUpperCase(Locale.ROOT).replace('-', '_'))
                    .doesNotContain("ALICE_TOKEN").doesNotContain("BOB_TOKEN").doesNotContain("SECRET");
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void badFlagPrintsWhatIsWrongAndTheUsageAndExitsNonZero() throws Exception {
        Process p = jar("--port=8080", "--bogus=1").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isNotZero();
        assertThat(out).contains("--bogus").contains("Usage:");
    }

    @Test
    void helpPrintsTheUsage() throws Exception {
        Process p = jar("--help").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        assertThat(out).contains("--publish-topics").contains("--overflow");
    }
}
