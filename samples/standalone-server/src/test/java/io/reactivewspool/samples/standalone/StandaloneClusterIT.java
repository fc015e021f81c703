package io.reactivewspool.samples.standalone;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.reactivewspool.message.WsMessage;
import io.reactivewspool.test.ReactorNettyTestClient;
import io.reactivewspool.testsupport.RedisServerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Two standalone servers started with --redis and --history-size share topics through a real redis-server. */
class StandaloneClusterIT {

    private static final Pattern URL = Pattern.compile("url=(ws://\\S+)");
    private final List<Process> processes = new ArrayList<>();
    private RedisServerProcess redis;

    @AfterEach
    void stop() throws InterruptedException {
        for (Process p : processes) {
            p.destroy();
            p.waitFor();
        }
        if (redis != null) {
            redis.close();
        }
    }

    private String start(String... flags) throws Exception {
        File jar = new File(System.getProperty("basedir", "."), "target/standalone-server.jar");
        File log = File.createTempFile("standalone-cluster", ".log");
        log.deleteOnExit();
        List<String> cmd = new ArrayList<>(List.of(System.getProperty("java.home") + "/bin/java", "-jar", jar.getPath()));
        cmd.addAll(List.of(flags));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log).start();
        processes.add(p);
        String[] url = new String[1];
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            for (String l : Files.readAllLines(log.toPath(), StandardCharsets.UTF_8)) {
                Matcher m = URL.matcher(l);
                if (m.find()) {
                    url[0] = m.group(1).replace("localhost", "127.0.0.1");
                    return true;
                }
            }
            return !p.isAlive();
        });
        assertThat(url[0]).as("server started; log:\n%s", Files.readString(log.toPath())).isNotNull();
        return url[0];
    }

    @Test
    void publishOnOneServerReachesSubscribersOfTheOtherAndHistoryRecovers() throws Exception {
        redis = RedisServerProcess.start();
        String[] flags = {"--port=0", "--host=127.0.0.1", "--publish-topics=pub.*", "--drain-ms=0",
                "--redis=" + redis.uri(), "--history-size=100"};
        String a = start(flags);
        String b = start(flags);

        ReactorNettyTestClient onA = ReactorNettyTestClient.connect(a);
        onA.welcome();
        onA.send(WsMessage.subscribe("pub.room").withId("s"));
        onA.next("subscribed");

        ReactorNettyTestClient onB = ReactorNettyTestClient.connect(b);
        onB.welcome();
        onB.send(WsMessage.publish("pub.room", Map.of("n", 1)).withId("p1"));
        onB.next("published");

        WsMessage first = onA.next("data");
        assertThat(first.data().get("n").asInt()).isEqualTo(1);
        assertThat(first.offset()).isNotNull();

        onB.send(WsMessage.publish("pub.room", Map.of("n", 2)).withId("p2"));
        onB.next("published");
        assertThat(onA.next("data").data().get("n").asInt()).isEqualTo(2);

        // A late subscriber on B recovers what came after the first message from the shared history.
        ReactorNettyTestClient late = ReactorNettyTestClient.connect(b);
        late.welcome();
        late.send(WsMessage.subscribe("pub.room", first.offset()).withId("r"));
        WsMessage replayed = late.next("data");
        assertThat(replayed.data().get("n").asInt()).isEqualTo(2);
        WsMessage subscribed = late.next("subscribed");
        assertThat(subscribed.data().get("recovered").asBoolean()).isTrue();

        onA.close();
        onB.close();
        late.close();
    }

    @Test
    void badRedisFlagNamesTheFlag() throws Exception {
        File jar = new File(System.getProperty("basedir", "."), "target/standalone-server.jar");
        Process p = new ProcessBuilder(System.getProperty("java.home") + "/bin/java", "-jar", jar.getPath(), "--redis=http://nope")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).isNotZero();
        assertThat(out).contains("--redis").contains("redis://HOST:PORT");
    }
}
