package io.reactivewspool.security;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.server.netty.WsServerOptions;
import io.reactivewspool.test.HubFixture;
import io.reactivewspool.test.RawSocketClient;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Malformed and ambiguous upgrade requests, sent as raw bytes: request smuggling shapes
 * (Content-Length with Transfer-Encoding, duplicate or invalid Content-Length, obs-fold in the
 * headers that frame a request, a body on the GET), and broken WebSocket handshakes (missing or
 * invalid key, missing or unsupported version, no {@code Connection: Upgrade}, wrong method or
 * HTTP version). None gets a 101 (neither the request nor a second one hidden in its body); each
 * gets a 4xx, the hub never sees a connection, and the server keeps serving.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileUpgradeIT {

    private static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";
    private static final int QUIET_MS = 1_000;

    private HubFixture fixture;
    private final List<String> answers = new ArrayList<>();

    /** The server engine under test. */
    WsServerOptions.Engine engine() {
        return WsServerOptions.Engine.REACTOR_NETTY;
    }

    @BeforeAll
    void start() {
        fixture = HubFixture.start(WsHubOptions.defaults(), null, engine());
    }

    @AfterAll
    void stop() {
        answers.forEach(a -> System.out.println("hostile upgrade (" + engine() + "): " + a));
        fixture.close();
    }

    private String host() {
        return "127.0.0.1:" + fixture.server().port();
    }

    /** A well-formed upgrade request, with {@code extra} header lines (each ending in CRLF) and a body. */
    private static String upgrade(String requestLine, String extra, String body) {
        return requestLine + "\r\nHost: " + "HOST" + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + KEY + "\r\nSec-WebSocket-Version: 13\r\n" + extra + "\r\n" + body;
    }

    private static String smuggled() {
        return upgrade("GET /ws HTTP/1.1", "", "");
    }

    static Stream<Arguments> hostileRequests() {
        String get = "GET /ws HTTP/1.1";
        String inner = smuggled();
        String chunk = Integer.toHexString(inner.length()) + "\r\n" + inner + "\r\n0\r\n\r\n";
        return Stream.of(
                arguments("Content-Length and Transfer-Encoding", upgrade(get,
                        "Content-Length: " + chunk.length() + "\r\nTransfer-Encoding: chunked\r\n", chunk)),
                arguments("Transfer-Encoding and Content-Length", upgrade(get,
                        "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n", chunk)),
                arguments("Transfer-Encoding: chunked on the GET", upgrade(get, "Transfer-Encoding: chunked\r\n", chunk)),
                arguments("obfuscated Transfer-Encoding", upgrade(get,
                        "Content-Length: " + inner.length() + "\r\nTransfer-Encoding: xchunked\r\n", inner)),
                arguments("two different Content-Length", upgrade(get,
                        "Content-Length: " + inner.length() + "\r\nContent-Length: 0\r\n", inner)),
                arguments("Content-Length list", upgrade(get, "Content-Length: 0, " + inner.length() + "\r\n", inner)),
                arguments("non-numeric Content-Length", upgrade(get, "Content-Length: abc\r\n", "")),
                arguments("negative Content-Length", upgrade(get, "Content-Length: -1\r\n", "")),
                arguments("body on the GET upgrade", upgrade(get, "Content-Length: " + inner.length() + "\r\n", inner)),
                arguments("whitespace before the colon", upgrade(get, "Transfer-Encoding : chunked\r\n", chunk)),
                arguments("obs-fold in Transfer-Encoding", upgrade(get, "Transfer-Encoding:\r\n chunked\r\n", chunk)),
                arguments("missing Sec-WebSocket-Key", upgrade(get, "", "").replace("Sec-WebSocket-Key: " + KEY + "\r\n", "")),
                arguments("empty Sec-WebSocket-Key", upgrade(get, "", "").replace(KEY, "")),
                arguments("Sec-WebSocket-Key not base64", upgrade(get, "", "").replace(KEY, "not a key at all!!!!!!!")),
                arguments("Sec-WebSocket-Key of 15 bytes", upgrade(get, "", "").replace(KEY, "MTIzNDU2Nzg5MDEyMzQ1")),
                arguments("two Sec-WebSocket-Key", upgrade(get, "Sec-WebSocket-Key: " + "AAAAAAAAAAAAAAAAAAAAAA==" + "\r\n", "")),
                arguments("missing Sec-WebSocket-Version", upgrade(get, "", "").replace("Sec-WebSocket-Version: 13\r\n", "")),
                arguments("Sec-WebSocket-Version 8", upgrade(get, "", "").replace("Version: 13", "Version: 8")),
                arguments("Sec-WebSocket-Version 99", upgrade(get, "", "").replace("Version: 13", "Version: 99")),
                arguments("POST upgrade", upgrade("POST /ws HTTP/1.1", "Content-Length: 0\r\n", "")),
                arguments("HTTP/1.0 upgrade", upgrade("GET /ws HTTP/1.0", "", "")),
                arguments("NUL in a header value", upgrade(get, "X-Note: a\u0000b\r\n", "")),
                arguments("Connection without the Upgrade token", upgrade(get, "", "").replace("Connection: Upgrade", "Connection: keep-alive")),
                arguments("obs-fold in Sec-WebSocket-Key", upgrade(get, "", "").replace("Sec-WebSocket-Key: ", "Sec-WebSocket-Key:\r\n ")),
                arguments("obs-fold in Content-Length", upgrade(get, "Content-Length:\r\n " + inner.length() + "\r\n", inner)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileRequests")
    void hostileUpgradeIsRefusedAndNeverSwitchesProtocols(String what, String request) {
        long servedBefore = fixture.hub().admin().stats().totalConnections();
        String answer = RawSocketClient.exchangeRaw(fixture.wsUrl(),
                request.replace("HOST", host()).getBytes(StandardCharsets.ISO_8859_1), QUIET_MS);
        answers.add(what + " -> " + answer.lines().findFirst().orElse("(closed)"));
        assertThat(answer).as(what).doesNotContain(" 101 ");
        assertThat(answer).as(what).matches("(?s)HTTP/1\\.[01] 4\\d\\d .*");
        assertThat(fixture.hub().admin().stats().totalConnections()).as("connections served after " + what).isEqualTo(servedBefore);
        // The server lives on: a well-formed client still gets its pong.
        try (RawSocketClient c = RawSocketClient.connect(fixture.wsUrl())) {
            c.readMessage();
            c.sendText(WsMessage.ping().withId("after"));
            assertThat(c.readMessage().id()).isEqualTo("after");
        }
    }

    @Test
    void theSameRawRequestWellFormedIsUpgraded() {
        String answer = RawSocketClient.exchangeRaw(fixture.wsUrl(),
                smuggled().replace("HOST", host()).getBytes(StandardCharsets.ISO_8859_1), QUIET_MS);
        assertThat(answer).startsWith("HTTP/1.1 101 ");
        assertThat(answer).contains("\"type\":\"welcome\"");
    }

    /**
     * RFC 7230 3.2.4 lets a server either refuse an obs-fold with 400 or replace it with a space;
     * Netty does the latter, before anything of ours sees the headers. Harmless in a header that
     * means nothing to the upgrade; folds in the headers that frame a request or a handshake
     * (Transfer-Encoding, Content-Length, Sec-WebSocket-Key) are refused above.
     */
    @Test
    void obsFoldInAnInnocuousHeaderIsUnfoldedAsRfc7230Allows() {
        String request = upgrade("GET /ws HTTP/1.1", "X-Note: first\r\n  second\r\n", "");
        String answer = RawSocketClient.exchangeRaw(fixture.wsUrl(), request.replace("HOST", host()).getBytes(StandardCharsets.ISO_8859_1), QUIET_MS);
        assertThat(answer).startsWith("HTTP/1.1 101 ");
    }

    /**
     * A client may not send frames before the handshake response (RFC 6455 4.1). Bytes pipelined
     * behind the upgrade request are dropped with the connection, not answered and not leaked
     * (the class fails on a leak).
     */
    @Test
    void framePipelinedBehindTheUpgradeRequestIsDroppedWithTheConnection() {
        byte[] head = smuggled().replace("HOST", host()).getBytes(StandardCharsets.ISO_8859_1);
        byte[] ping = RawSocketClient.encodeFrame(0x81, "{\"type\":\"ping\",\"id\":\"early\"}".getBytes(StandardCharsets.UTF_8), true);
        byte[] both = Arrays.copyOf(head, head.length + ping.length);
        System.arraycopy(ping, 0, both, head.length, ping.length);
        String answer = RawSocketClient.exchangeRaw(fixture.wsUrl(), both, QUIET_MS);
        assertThat(answer).doesNotContain("early");
        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> fixture.hub().admin().stats().activeConnections() == 0);
    }
}
