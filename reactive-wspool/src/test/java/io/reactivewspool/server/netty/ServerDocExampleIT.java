package io.reactivewspool.server.netty;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.AdminHttpApi;
import io.reactivewspool.server.Authenticator;
import io.reactivewspool.server.OverflowPolicy;
import io.reactivewspool.server.TopicPolicy;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.test.AdminHttp;
import io.reactivewspool.test.ReactorNettyTestClient;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The 20-line example of docs/SERVER.md, as written there (port 0 instead of 8080), still works. */
class ServerDocExampleIT {

    @Test
    void theDocumentedHubAndServerWork() {
        List<WsMessage> chat = new CopyOnWriteArrayList<>();
        // --- docs/SERVER.md
        WsHub hub = WsHub.create(WsHubOptions.builder()
                .authenticator(Authenticator.tokens(Map.of("ALICE_TOKEN", "alice")))
                .topicPolicy(TopicPolicy.publishTo(List.of("pub.*")))
                .maxConnections(10_000)
                .heartbeatInterval(Duration.ofSeconds(30))
                .connectionTimeout(Duration.ofMinutes(5))
                .outboundQueueSize(1024)
                .overflowPolicy(OverflowPolicy.DROP_OLDEST)
                .handler("echo", ctx -> Mono.just(WsMessage.of("echo", null, ctx.message().data())))
                .build());
        WsServer server = WsServer.create(hub, WsServerOptions.builder()
                .port(0)
                .adminToken("SECRET")
                .build())
                .bindNow();
        hub.topic("pub.chat").subscribe(chat::add);
        // ---
        try {
            ReactorNettyTestClient alice = ReactorNettyTestClient.connect(server.url().replace("localhost", "127.0.0.1") + "?token=ALICE_TOKEN");
            alice.welcome();
            alice.send(WsMessage.subscribe("announcements"));
            alice.next("subscribed");
            assertThat(hub.broadcast("announcements", "system_announcement", Map.of("message", "hello"))).isEqualTo(1);
            assertThat(alice.next().type()).isEqualTo("system_announcement");
            alice.send(WsMessage.builder("echo").data("x").id("1").build());
            assertThat(alice.next().id()).isEqualTo("1");
            alice.send(WsMessage.publish("pub.chat", Map.of("text", "hi")));
            await().atMost(Duration.ofSeconds(10)).until(() -> chat.size() == 1);
            String admin = "http://127.0.0.1:" + server.port() + AdminHttpApi.BASE_PATH + "/stats";
            assertThat(AdminHttp.get(admin, "SECRET").status()).isEqualTo(200);
            alice.close();
        } finally {
            server.close().block(Duration.ofMinutes(1));
        }
    }
}
