package io.reactivewspool.samples.standalone;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.netty.WsServer;
import io.reactivewspool.test.AdminHttp;
import io.reactivewspool.test.ReactorNettyTestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The standalone server configured the way a deployment does it: secrets in the environment and in
 * files (never on the command line), settings in a config file, and {@code wss://} with a real TLS
 * client.
 */
class StandaloneConfigurationIT {

    private static final Pattern URL = Pattern.compile("url=(wss?://\\S+)");

    @TempDir
    Path dir;

    @Test
    void secretsFromTheEnvironmentAndFilesReachTheServerButNotItsCommandLine() throws Exception {
        String redisPassword = "p@ss w:rd/+x";
        int redisPort = freePort();
        Process redis = new ProcessBuilder("redis-server", "--port", String.valueOf(redisPort), "--bind", "127.0.0.1",
                "--requirepass", redisPassword, "--save", "", "--appendonly", "no")
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        Path admin = Files.writeString(dir.resolve("admin-token"), "ADMIN_FROM_FILE\n");
        Path tokens = Files.writeString(dir.resolve("tokens"), "alice=ALICE_FROM_FILE\nbob=BOB_FROM_FILE\n");
        Path config = Files.writeString(dir.resolve("server.properties"), String.join("\n",
                "host=127.0.0.1", "port=0", "publish-topics=pub.*", "token-file=" + tokens, "drain-ms=0", ""));
        File jar = new File(System.getProperty("basedir", "."), "target/standalone-server.jar");
        ProcessBuilder pb = new ProcessBuilder(System.getProperty("java.home") + "/bin/java", "-jar", jar.getPath(),
                "--config=" + config, "--history-size=10");
        pb.environment().put("WSPOOL_ADMIN_TOKEN_FILE", admin.toString());
        pb.environment().put("WSPOOL_REDIS", "redis://127.0.0.1:" + redisPort);
        pb.environment().put("WSPOOL_REDIS_PASSWORD", redisPassword);
        Path log = dir.resolve("server.log");
        Process p = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            String url = awaitUrl(log);
            String cmdline = Files.readString(Path.of("/proc/" + p.pid() + "/cmdline"), StandardCharsets.UTF_8);
            assertThat(cmdline).doesNotContain("ADMIN_FROM_FILE").doesNotContain("ALICE_FROM_FILE").doesNotContain("p@ss");

            ReactorNettyTestClient alice = ReactorNettyTestClient.connect(url + "?token=ALICE_FROM_FILE");
            assertThat(alice.welcome().data().get("user_id").asString()).isEqualTo("alice");
            ReactorNettyTestClient bob = ReactorNettyTestClient.connect(url + "?token=BOB_FROM_FILE");
            bob.welcome();
            bob.send(WsMessage.subscribe("pub.news"));
            bob.next("subscribed");
            alice.send(WsMessage.publish("pub.news", Map.of("text", "through redis")).withId("p1"));
            assertThat(alice.next().type()).isEqualTo("published");
            WsMessage delivered = bob.next("data");
            assertThat(delivered.data().get("text").asString()).isEqualTo("through redis");
            // An offset proves the message went through the password-protected Redis history stream.
            assertThat(delivered.offset()).isNotNull();

            String http = url.replace("ws://", "http://").replace("/ws", "");
            assertThat(AdminHttp.get(http + "/api/admin/websockets/stats", "ADMIN_FROM_FILE").status()).isEqualTo(200);
            assertThat(AdminHttp.get(http + "/api/admin/websockets/stats", "WRONG").status()).isEqualTo(403);
            alice.close();
            bob.close();
        } finally {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            redis.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        assertThat(Files.readString(log)).doesNotContain("ADMIN_FROM_FILE").doesNotContain("ALICE_FROM_FILE")
                .doesNotContain("p@ss").doesNotContain("p%40ss");
    }

    @Test
    void aBadEnvironmentValueStopsTheServerWithItsSourceKeyAndRange() throws Exception {
        File jar = new File(System.getProperty("basedir", "."), "target/standalone-server.jar");
        ProcessBuilder pb = new ProcessBuilder(System.getProperty("java.home") + "/bin/java", "-jar", jar.getPath());
        pb.environment().put("WSPOOL_MAX_CONNECTIONS", "0");
        Process p = pb.redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(out).contains("error: WSPOOL_MAX_CONNECTIONS (environment) must be between 1 and 2147483647, was 0");
    }

    @ParameterizedTest(name = "--engine={0}")
    @ValueSource(strings = {"reactor-netty", "netty"})
    void servesWssToARealTlsClient(String engine) throws Exception {
        Pem pem = selfSignedPem();
        ServerConfig config = ServerConfig.parse("--host=127.0.0.1", "--port=0", "--engine=" + engine,
                "--tls-cert=" + pem.certificate(), "--tls-key=" + pem.key(), "--drain-ms=0", "--io-threads=1");
        WsServer server = StandaloneServer.start(config);
        try {
            assertThat(server.url()).startsWith("wss://");
            String wss = "wss://127.0.0.1:" + server.port() + "/ws";
            HttpClient client = HttpClient.newBuilder().sslContext(pem.trusting()).connectTimeout(Duration.ofSeconds(10)).build();
            BlockingQueue<String> texts = new LinkedBlockingQueue<>();
            CompletableFuture<Integer> closed = new CompletableFuture<>();
            WebSocket ws = client.newWebSocketBuilder().buildAsync(URI.create(wss), new WebSocket.Listener() {
                private final StringBuilder text = new StringBuilder();

                @Override
                public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                    text.append(data);
                    if (last) {
                        texts.add(text.toString());
                        text.setLength(0);
                    }
                    webSocket.request(1);
                    return null;
                }

                @Override
                public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                    closed.complete(statusCode);
                    return null;
                }
            }).get(30, TimeUnit.SECONDS);
            assertThat(texts.poll(30, TimeUnit.SECONDS)).contains("\"type\":\"welcome\"");
            // Frames both ways after the upgrade: on Reactor Netty the connection is taken over then.
            ws.sendText("{\"type\":\"ping\",\"id\":\"over-tls\"}", true).get(30, TimeUnit.SECONDS);
            assertThat(texts.poll(30, TimeUnit.SECONDS)).contains("\"type\":\"pong\"").contains("\"id\":\"over-tls\"");
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(30, TimeUnit.SECONDS);
            assertThat(closed.get(30, TimeUnit.SECONDS)).as("the server answers the close frame over TLS").isEqualTo(1000);

            // A client that does not speak TLS gets no WebSocket on that port.
            HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            assertThatThrownBy(() -> plain.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/ws"),
                    new WebSocket.Listener() { }).get(30, TimeUnit.SECONDS)).isNotNull();
        } finally {
            server.close().block(Duration.ofSeconds(30));
        }
    }

    @Test
    void aKeyThatDoesNotParseIsRefusedWithTheFilesNamed() throws Exception {
        Path cert = Files.writeString(dir.resolve("cert.pem"), "not a certificate");
        Path key = Files.writeString(dir.resolve("key.pem"), "not a key");
        ServerConfig config = ServerConfig.parse("--port=0", "--tls-cert=" + cert, "--tls-key=" + key);
        assertThatThrownBy(() -> StandaloneServer.start(config))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tls: cannot").hasMessageContaining(cert.toString()).hasMessageContaining(key.toString());
    }

    private record Pem(Path certificate, Path key, SSLContext trusting) {
    }

    /** A self-signed certificate for 127.0.0.1 made with the JDK's keytool, written as PEM files. */
    private Pem selfSignedPem() throws Exception {
        Path store = dir.resolve("server.p12");
        char[] password = "changeit".toCharArray();
        Process keytool = new ProcessBuilder(System.getProperty("java.home") + "/bin/keytool", "-genkeypair", "-alias", "server",
                "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", "changeit",
                "-keypass", "changeit").redirectErrorStream(true).start();
        String out = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).as(out).isZero();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, password);
        }
        Certificate cert = ks.getCertificate("server");
        Path certPem = Files.writeString(dir.resolve("server.crt"), pem("CERTIFICATE", cert.getEncoded()));
        Path keyPem = Files.writeString(dir.resolve("server.key"), pem("PRIVATE KEY", ks.getKey("server", password).getEncoded()));
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("server", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        return new Pem(certPem, keyPem, ssl);
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static String awaitUrl(Path log) {
        List<String> found = new ArrayList<>();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                Matcher m = URL.matcher(line);
                if (m.find()) {
                    found.add(m.group(1));
                    return true;
                }
                if (line.toLowerCase(Locale.ROOT).startsWith("error:")) {
                    throw new AssertionError(String.join("\n", Files.readAllLines(log, StandardCharsets.UTF_8)));
                }
            }
            return false;
        });
        return found.get(0).replace("localhost", "127.0.0.1");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
