package io.reactivewspool.samples.standalone;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.reactivewspool.server.OverflowPolicy;
import io.reactivewspool.server.netty.WsServerOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ServerConfigTest {

    @Test
    void theDocumentedCommandLineParses() {
        ServerConfig c = ServerConfig.parse("--port=8080", "--publish-topics=pub.*", "--admin-token=SECRET",
                "--token=alice=ALICE_TOKEN", "--token=bob=B", "--max-frame-bytes=65536", "--max-connections=5",
                "--rate-limit=20", "--heartbeat-ms=1000", "--connection-timeout-ms=3000", "--queue-size=16",
                "--overflow=disconnect");
        assertThat(c.port()).isEqualTo(8080);
        assertThat(c.publishTopics()).containsExactly("pub.*");
        assertThat(c.userByToken()).containsEntry("ALICE_TOKEN", "alice").containsEntry("B", "bob");
        assertThat(c.maxConnections()).isEqualTo(5);
        assertThat(c.rateLimit()).isEqualTo(20);
        assertThat(c.overflow()).isEqualTo(OverflowPolicy.DISCONNECT);
        assertThat(c.engine()).isEqualTo(WsServerOptions.Engine.REACTOR_NETTY);
        assertThat(c.toString()).doesNotContain("SECRET").doesNotContain("ALICE_TOKEN");
    }

    @Test
    void defaultsNeedNoFlags() {
        ServerConfig c = ServerConfig.parse();
        assertThat(c.port()).isEqualTo(8080);
        assertThat(c.userByToken()).isEmpty();
        assertThat(c.overflow()).isEqualTo(OverflowPolicy.DROP_OLDEST);
        assertThat(c.engine()).isEqualTo(WsServerOptions.Engine.REACTOR_NETTY);
    }

    @Test
    void theEngineIsChosenByName() {
        assertThat(ServerConfig.parse("--engine=netty").engine()).isEqualTo(WsServerOptions.Engine.NETTY);
        assertThat(ServerConfig.parse("--engine=NETTY").engine()).isEqualTo(WsServerOptions.Engine.NETTY);
        assertThat(ServerConfig.parse("--engine=reactor-netty").engine()).isEqualTo(WsServerOptions.Engine.REACTOR_NETTY);
        assertThat(ServerConfig.parse("--engine=netty").toString()).contains("engine=NETTY");
        assertThat(ServerConfig.USAGE).contains("--engine=ENGINE").contains("reactor-netty | netty");
    }

    @Test
    void badFlagsAreNamed() {
        assertThatThrownBy(() -> ServerConfig.parse("--bogus=1")).hasMessageContaining("--bogus");
        assertThatThrownBy(() -> ServerConfig.parse("--port=x")).hasMessageContaining("--port");
        assertThatThrownBy(() -> ServerConfig.parse("--port=70000")).hasMessageContaining("--port must be between 0 and 65535");
        assertThatThrownBy(() -> ServerConfig.parse("--overflow=never")).hasMessageContaining("--overflow");
        assertThatThrownBy(() -> ServerConfig.parse("--token=alice")).hasMessageContaining("--token");
        assertThatThrownBy(() -> ServerConfig.parse("--engine=undertow"))
                .hasMessage("--engine must be reactor-netty or netty, was 'undertow'");
        assertThatThrownBy(() -> ServerConfig.parse("--heartbeat-ms=5000", "--connection-timeout-ms=1000"))
                .hasMessageContaining("--connection-timeout-ms");
    }

    @TempDir
    Path dir;

    private Path file(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    @Test
    void flagsWinOverTheEnvironmentWhichWinsOverTheConfigFile() throws IOException {
        Path config = file("server.properties", "port=7001\nmax-connections=11\nqueue-size=33\n");
        Map<String, String> env = Map.of("WSPOOL_CONFIG", config.toString(), "WSPOOL_PORT", "7002", "WSPOOL_MAX_CONNECTIONS", "22");

        ServerConfig c = ServerConfig.load(new String[] {"--port=7003"}, env);
        assertThat(c.port()).isEqualTo(7003);
        assertThat(c.maxConnections()).isEqualTo(22);
        assertThat(c.queueSize()).isEqualTo(33);

        ServerConfig noFlag = ServerConfig.load(new String[0], env);
        assertThat(noFlag.port()).isEqualTo(7002);

        ServerConfig fileNamedByFlag = ServerConfig.load(new String[] {"--config=" + config}, Map.of());
        assertThat(fileNamedByFlag.port()).isEqualTo(7001);
    }

    @Test
    void aBadValueNamesItsSourceKeyAndRange() throws IOException {
        assertThatThrownBy(() -> ServerConfig.load(new String[0], Map.of("WSPOOL_PORT", "70000")))
                .hasMessage("WSPOOL_PORT (environment) must be between 0 and 65535, was 70000");
        Path config = file("bad.properties", "overflow=never\n");
        assertThatThrownBy(() -> ServerConfig.load(new String[] {"--config=" + config}, Map.of()))
                .hasMessage("overflow (config file " + config + ") must be drop-oldest, drop-newest or disconnect, was 'never'");
        Path typo = file("typo.properties", "max-conections=5\n");
        assertThatThrownBy(() -> ServerConfig.load(new String[] {"--config=" + typo}, Map.of()))
                .hasMessageContaining("unknown key 'max-conections' in config file " + typo);
        assertThatThrownBy(() -> ServerConfig.load(new String[] {"--config=" + dir.resolve("missing.properties")}, Map.of()))
                .hasMessageContaining("--config names a file that cannot be read");
        assertThatThrownBy(() -> ServerConfig.load(new String[0], Map.of("WSPOOL_COMPRESSION", "maybe")))
                .hasMessage("WSPOOL_COMPRESSION (environment) must be true or false, was 'maybe'");
    }

    @Test
    void secretsComeFromTheEnvironmentOrAFileAndWarnOnTheCommandLine() throws IOException {
        Path admin = file("admin", "FROM_FILE\n");
        Path tokens = file("tokens", "alice=A1\nbob=B2\n");
        ServerConfig c = ServerConfig.load(new String[] {"--admin-token-file=" + admin},
                Map.of("WSPOOL_TOKEN_FILE", tokens.toString(), "WSPOOL_REDIS", "redis://127.0.0.1:6390",
                        "WSPOOL_REDIS_PASSWORD", "p@ss w:rd/+x"));
        assertThat(c.adminToken()).isEqualTo("FROM_FILE");
        assertThat(c.userByToken()).containsExactlyInAnyOrderEntriesOf(Map.of("A1", "alice", "B2", "bob"));
        assertThat(c.redisUri()).isEqualTo("redis://:p%40ss%20w%3Ard%2F%2Bx@127.0.0.1:6390");
        assertThat(c.warnings()).isEmpty();
        assertThat(c.toString()).doesNotContain("FROM_FILE").doesNotContain("A1").doesNotContain("p%40ss").contains("redis://***@");

        ServerConfig onCommandLine = ServerConfig.parse("--admin-token=S3CRET");
        assertThat(onCommandLine.warnings()).containsExactly(
                "--admin-token is on the command line, where ps shows it; use WSPOOL_ADMIN_TOKEN or --admin-token-file instead");

        assertThatThrownBy(() -> ServerConfig.load(new String[0], Map.of("WSPOOL_ADMIN_TOKEN", "X",
                "WSPOOL_ADMIN_TOKEN_FILE", admin.toString())))
                .hasMessageContaining("both set admin-token: give one of them");
        assertThatThrownBy(() -> ServerConfig.load(new String[0], Map.of("WSPOOL_REDIS_PASSWORD", "x")))
                .hasMessage("WSPOOL_REDIS_PASSWORD (environment) is set but redis is not");
        assertThatThrownBy(() -> ServerConfig.load(new String[] {"--admin-token-file=" + file("empty", "  \n")}, Map.of()))
                .hasMessageContaining("names an empty file");
    }

    @Test
    void anUnknownEnvironmentVariableWithThePrefixIsAWarningNotAnError() {
        ServerConfig c = ServerConfig.load(new String[0], Map.of("WSPOOL_GO", "/opt/wspool-go", "PATH", "/bin"));
        assertThat(c.warnings()).containsExactly("WSPOOL_GO is not a setting of this server; ignored");
    }

    @Test
    void theNewFlagsReachTheConfig() throws IOException {
        Path cert = file("cert.pem", "x");
        Path key = file("key.pem", "y");
        ServerConfig c = ServerConfig.parse("--allowed-origins=https://a.example,https://b.example", "--compression=true",
                "--max-connections-per-user=3", "--presence-topics=room.*", "--presence-events=room.*,lobby",
                "--tls-cert=" + cert, "--tls-key=" + key);
        assertThat(c.allowedOrigins()).containsExactly("https://a.example", "https://b.example");
        assertThat(c.compression()).isTrue();
        assertThat(c.maxPerUser()).isEqualTo(3);
        assertThat(c.presenceTopics()).containsExactly("room.*");
        assertThat(c.presenceEvents()).containsExactly("room.*", "lobby");
        assertThat(c.tls()).isEqualTo(new ServerConfig.Tls(cert, key, null));
        assertThatThrownBy(() -> ServerConfig.parse("--tls-cert=" + cert)).hasMessage("--tls-cert needs both tls-cert and tls-key");
        assertThatThrownBy(() -> ServerConfig.parse("--tls-cert=" + cert, "--tls-key=" + dir.resolve("nope.pem")))
                .hasMessageContaining("--tls-key must name a readable file");
    }

    @Test
    void theUsageDocumentsEveryKey() {
        for (String key : ServerConfig.KEYS) {
            assertThat(ServerConfig.USAGE).as("usage of " + key).contains("--" + key + "=");
        }
    }
}
