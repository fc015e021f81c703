package io.reactivewspool.samples.standalone;

import io.reactivewspool.server.OverflowPolicy;
import io.reactivewspool.server.netty.WsServerOptions;
import org.junit.jupiter.api.Test;

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
}
