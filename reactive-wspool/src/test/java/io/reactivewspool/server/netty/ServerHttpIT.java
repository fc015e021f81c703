package io.reactivewspool.server.netty;

import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.reactivewspool.server.AdminHttpApi;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.test.HubFixture;
import io.reactivewspool.test.RawSocketClient;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The HTTP around the WebSocket endpoint, the same on both engines: keep-alive and pipelining,
 * HTTP decoder failures, admin bodies over the limit, {@code Expect: 100-continue}. Raw bytes over
 * a socket, so what is asserted is what goes on the wire.
 */
class ServerHttpIT {

    private static final String ADMIN = "ADMIN";
    private static final int QUIET_MS = 500;
    private static final Pattern STATUS = Pattern.compile("HTTP/1\\.[01] (\\d{3}) ");

    private static HubFixture start(WsServerOptions.Engine engine) {
        return HubFixture.start(WsHubOptions.defaults(), ADMIN, engine);
    }

    private static String exchange(HubFixture f, String request) {
        return RawSocketClient.exchangeRaw(f.wsUrl(), request.getBytes(StandardCharsets.ISO_8859_1), QUIET_MS);
    }

    private static String statuses(String answer) {
        StringBuilder b = new StringBuilder();
        Matcher m = STATUS.matcher(answer);
        while (m.find()) {
            b.append(b.length() == 0 ? "" : " ").append(m.group(1));
        }
        return b.toString();
    }

    @ParameterizedTest
    @EnumSource(WsServerOptions.Engine.class)
    void pipelinedRequestsAreAnsweredInOrderOnOneKeptAliveConnection(WsServerOptions.Engine engine) {
        try (HubFixture f = start(engine)) {
            String stats = "GET /api/admin/websockets/stats HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer " + ADMIN + "\r\n\r\n";
            String answer = exchange(f, "GET /nope HTTP/1.1\r\nHost: h\r\n\r\n" + stats
                    + "GET /ws HTTP/1.1\r\nHost: h\r\n\r\n" + stats);
            assertThat(statuses(answer)).isEqualTo("404 200 426 200");
            assertThat(answer).contains("{\"error\":\"not found\"}").contains("expected a WebSocket upgrade request")
                    .contains("\"active_connections\":0");
        }
    }

    @ParameterizedTest
    @EnumSource(WsServerOptions.Engine.class)
    void anHttp10ConnectionIsClosedAfterItsAnswerEvenWhenTheClientAsksToKeepIt(WsServerOptions.Engine engine) {
        try (HubFixture f = start(engine)) {
            String answer = exchange(f, "GET /nope HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
                    + "GET /nope HTTP/1.0\r\n\r\n");
            assertThat(statuses(answer)).isEqualTo("404");
        }
    }

    @ParameterizedTest
    @EnumSource(WsServerOptions.Engine.class)
    void aRequestTheDecoderCannotReadIsAnswered4xxAndClosed(WsServerOptions.Engine engine) {
        try (HubFixture f = start(engine)) {
            assertThat(statuses(exchange(f, "GET /" + "x".repeat(5000) + " HTTP/1.1\r\nHost: h\r\n\r\n"))).isEqualTo("414");
            assertThat(statuses(exchange(f, "GET /ws HTTP/1.1\r\nHost: h\r\nX-Big: " + "y".repeat(9000) + "\r\n\r\n")))
                    .isEqualTo("431");
            assertThat(statuses(exchange(f, "NOT A REQUEST LINE\r\n\r\nGET /nope HTTP/1.1\r\nHost: h\r\n\r\n"))).isEqualTo("400");
        }
    }

    @ParameterizedTest
    @EnumSource(WsServerOptions.Engine.class)
    void anAdminBodyOverTheLimitIsReadAndRefusedWith400(WsServerOptions.Engine engine) {
        try (HubFixture f = start(engine)) {
            int size = AdminHttpApi.MAX_BODY_BYTES + 4096;
            String body = "{\"topic\":\"t\",\"message_type\":\"x\",\"data\":\"" + "z".repeat(size) + "\"}";
            String answer = exchange(f, "POST /api/admin/websockets/broadcast HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer "
                    + ADMIN + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body
                    + "GET /nope HTTP/1.1\r\nHost: h\r\n\r\n");
            assertThat(statuses(answer)).isEqualTo("400 404");
            assertThat(answer).contains("request body larger than " + AdminHttpApi.MAX_BODY_BYTES);
        }
    }

    @ParameterizedTest
    @EnumSource(WsServerOptions.Engine.class)
    void anAdminRequestExpecting100ContinueGetsItBeforeTheAnswer(WsServerOptions.Engine engine) {
        for (boolean compression : new boolean[] {false, true}) {
            try (HubFixture f = HubFixture.start(WsHubOptions.defaults(), HubFixture.serverOptions(engine)
                    .compression(compression).adminToken(ADMIN).build())) {
                String body = "{\"topic\":\"t\",\"message_type\":\"x\"}";
                String answer = exchange(f, "POST /api/admin/websockets/broadcast HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer "
                        + ADMIN + "\r\nExpect: 100-continue\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
                assertThat(statuses(answer)).as("compression %s", compression).isEqualTo("100 200");
                assertThat(answer).contains("\"reached\":0");
            }
        }
    }
}
