package io.reactivewspool.samples.clientpool;

import java.util.List;
import java.util.stream.Collectors;

import io.reactivewspool.message.WsMessage;
import io.reactivewspool.test.EchoWsServer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ClientPoolSampleIT {

    @Test
    void sampleCoreGetsEveryReplyOverAFewPooledConnections() {
        try (EchoWsServer server = EchoWsServer.start()) {
            List<WsMessage> replies = ClientPoolSample.run(server.url(), 2_000, 128);
            assertThat(replies).hasSize(2_000);
            assertThat(replies.stream().map(r -> r.data().get("n").asInt()).collect(Collectors.toSet())).hasSize(2_000);
            assertThat(server.acceptedConnections()).isBetween(1, 8);
        }
    }

    @Test
    void sampleMainRunsAgainstItsOwnReplyServer() {
        LocalReplyServer local = LocalReplyServer.start();
        try {
            assertThat(ClientPoolSample.run(local.url(), 100, 16)).hasSize(100);
        } finally {
            local.stop();
        }
    }
}
