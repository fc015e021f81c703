package io.reactivewspool.test;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import io.reactivewspool.client.WsClient;
import io.reactivewspool.client.WsClientOptions;
import io.reactivewspool.client.WsConnection;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.TopicPolicy;
import io.reactivewspool.server.WsHubOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The protocol's rows in the binary codecs, against any server that speaks it (subclass with a
 * {@link ServerFactory}, as for {@link HubConformanceSuite}). {@link HubConformanceSuite} runs every
 * row in JSON; this suite runs a representative row of each part of the protocol (welcome, replies
 * and ids, topics, handlers, broadcasts, bad input) in CBOR and in MessagePack, on ONE server per
 * class that offers all three codecs, so that the binary codecs add seconds, not a second suite.
 * It also holds what only codecs have: negotiation, unknown subprotocols, one encoding per codec.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class CodecConformanceSuite {

    private static final Duration WAIT = ReactorNettyTestClient.WAIT;

    private final CountingCodec json = new CountingCodec(WsCodec.json());
    private final CountingCodec cbor = new CountingCodec(WsCodec.cbor());
    private final CountingCodec msgpack = new CountingCodec(WsCodec.messagePack());
    private final List<ReactorNettyTestClient> clients = new ArrayList<>();
    private ServerUnderTest server;

    /** How this transport starts a server. */
    protected abstract ServerFactory factory();

    @BeforeAll
    void start() {
        server = factory().start(WsHubOptions.builder()
                .codec(json)
                .codecs(cbor, msgpack)
                .topicPolicy(TopicPolicy.publishTo(List.of("pub.*")))
                .handler("echo", ctx -> Mono.just(WsMessage.of("echo", null, ctx.message().data())))
                .closeDrainPeriod(Duration.ZERO)
                .build(), null);
    }

    @AfterEach
    void closeClients() {
        clients.forEach(ReactorNettyTestClient::close);
        clients.clear();
    }

    @AfterAll
    void stop() {
        server.close();
    }

    Stream<WsCodec> binaryCodecs() {
        return Stream.of(cbor, msgpack);
    }

    private ReactorNettyTestClient client(WsCodec codec) {
        ReactorNettyTestClient c = codec == json ? ReactorNettyTestClient.connect(server.wsUrl())
                : ReactorNettyTestClient.connect(server.wsUrl(), codec);
        clients.add(c);
        return c;
    }

    @ParameterizedTest
    @MethodSource("binaryCodecs")
    void theServerAnswersTheSubprotocolAndSpeaksItInBinaryFramesOnly(WsCodec codec) {
        ReactorNettyTestClient c = client(codec);
        assertThat(c.subprotocol()).isEqualTo(codec.subprotocol());
        WsMessage welcome = c.welcome();
        assertThat(welcome.data().get("connection_id").asString()).isNotBlank();
        assertThat(welcome.timestamp()).isNotNull();
        c.send(WsMessage.builder(WsMessage.PING).id("p-1").build());
        assertThat(c.next(WsMessage.PONG).id()).isEqualTo("p-1");
        assertThat(c.binaryFrames()).isEqualTo(2);
        assertThat(c.textFrames()).isZero();
    }

    @ParameterizedTest
    @MethodSource("binaryCodecs")
    void subscribePublishAndHandlerRepliesTravelInTheCodec(WsCodec codec) {
        ReactorNettyTestClient a = client(codec);
        ReactorNettyTestClient b = client(codec);
        a.welcome();
        b.welcome();
        b.send(WsMessage.builder(WsMessage.SUBSCRIBE).topic("pub.rows").id("s-1").build());
        assertThat(b.next(WsMessage.SUBSCRIBED).id()).isEqualTo("s-1");
        Map<String, Object> data = Map.of("n", 7, "s", "é ✓", "list", List.of(1.5, true), "big", 12_345_678_901L);
        a.send(WsMessage.builder(WsMessage.PUBLISH).topic("pub.rows").data(data).id("pub-1").build());
        assertThat(a.next(WsMessage.PUBLISHED).id()).isEqualTo("pub-1");
        WsMessage got = b.next(WsMessage.DATA);
        assertThat(got.topic()).isEqualTo("pub.rows");
        assertThat(got.data().get("s").asString()).isEqualTo("é ✓");
        assertThat(got.data().get("big").asLong()).isEqualTo(12_345_678_901L);
        assertThat(got.data().get("list").get(0).asDouble()).isEqualTo(1.5);
        a.send(WsMessage.builder("echo").data(Map.of("k", "v")).id("e-1").build());
        WsMessage echo = a.next("echo");
        assertThat(echo.id()).isEqualTo("e-1");
        assertThat(echo.data().get("k").asString()).isEqualTo("v");
        assertThat(a.textFrames() + b.textFrames()).isZero();
    }

    @ParameterizedTest
    @MethodSource("binaryCodecs")
    void malformedBinaryInputAnswersAnErrorInTheCodecAndTheConnectionStays(WsCodec codec) {
        ReactorNettyTestClient c = client(codec);
        c.welcome();
        c.sendBinary(new byte[] {(byte) 0xc1, 0x00, (byte) 0xff, 0x13});
        WsMessage error = c.next(WsMessage.ERROR);
        assertThat(error.error()).startsWith("malformed ");
        c.send("{\"type\":\"ping\"}");
        assertThat(c.next(WsMessage.ERROR).error()).startsWith("text frames are not accepted");
        // A well-formed envelope with a bad field: the error carries the id, in the codec.
        c.send(WsMessage.builder(WsMessage.SUBSCRIBE).topic("bad topic!").id("t-1").build());
        assertThat(c.next(WsMessage.ERROR).id()).isEqualTo("t-1");
        c.send(WsMessage.builder(WsMessage.PING).id("alive").build());
        assertThat(c.next(WsMessage.PONG).id()).isEqualTo("alive");
        assertThat(c.isClosed()).isFalse();
        assertThat(c.textFrames()).isZero();
    }

    @ParameterizedTest
    @MethodSource("binaryCodecs")
    void theJavaClientTalksTheCodecToTheHub(WsCodec codec) {
        WsConnection conn = WsClient.create(WsClientOptions.builder(server.wsUrl()).codec(codec).build()).connect().block(WAIT);
        try {
            List<WsMessage> received = new CopyOnWriteArrayList<>();
            conn.receive().subscribe(received::add);
            WsMessage echo = conn.request(WsMessage.of("echo", null, Map.of("x", 42))).block(WAIT);
            assertThat(echo.type()).isEqualTo("echo");
            assertThat(echo.data().get("x").asInt()).isEqualTo(42);
            assertThat(conn.request(WsMessage.subscribe("java.client")).block(WAIT).type()).isEqualTo(WsMessage.SUBSCRIBED);
            server.hub().broadcast("java.client", "tick", Map.of("seq", 1));
            await().atMost(WAIT).until(() -> received.stream().anyMatch(m -> m.is("tick")));
        } finally {
            conn.close(1000, "done").block(WAIT);
        }
    }

    @Test
    void mixedSubscribersReceiveOneBroadcastEncodedOncePerCodec() {
        List<ReactorNettyTestClient> subscribers = new ArrayList<>();
        for (WsCodec codec : List.of(json, json, cbor, cbor, msgpack, msgpack)) {
            ReactorNettyTestClient c = client(codec);
            c.welcome();
            c.send(WsMessage.builder(WsMessage.SUBSCRIBE).topic("mixed").id("s").build());
            c.next(WsMessage.SUBSCRIBED);
            subscribers.add(c);
        }
        json.reset();
        cbor.reset();
        msgpack.reset();
        int reached = server.hub().broadcast("mixed", "tick", Map.of("seq", 1, "text", "ünïcode"));
        assertThat(reached).isEqualTo(6);
        for (ReactorNettyTestClient c : subscribers) {
            WsMessage tick = c.next("tick");
            assertThat(tick.data().get("text").asString()).isEqualTo("ünïcode");
            assertThat(tick.timestamp()).isNotNull();
        }
        assertThat(List.of(json.encodes(), cbor.encodes(), msgpack.encodes()))
                .as("encodings per codec (json, cbor, msgpack) for one broadcast to 2+2+2 subscribers")
                .containsExactly(1, 1, 1);
        assertThat(subscribers.get(0).binaryFrames()).isZero();
        assertThat(subscribers.get(2).textFrames()).isZero();
    }

    @Test
    void aClientAskingOnlyForUnknownSubprotocolsGetsJsonAndNoSubprotocolHeader() {
        String unknown = upgrade("wspool.xml, chat.v2");
        assertThat(unknown).startsWith("HTTP/1.1 101");
        assertThat(unknown.toLowerCase(Locale.ROOT)).doesNotContain("sec-websocket-protocol");
        String welcome = unknown.substring(unknown.indexOf("\r\n\r\n") + 4);
        assertThat(welcome.charAt(0)).as("first frame: FIN + text opcode").isEqualTo((char) 0x81);
        assertThat(welcome).contains("\"type\":\"welcome\"");

        String chosen = upgrade("wspool.xml, wspool.msgpack, wspool.cbor");
        assertThat(chosen.toLowerCase(Locale.ROOT)).contains("sec-websocket-protocol: wspool.msgpack");
        assertThat(chosen.substring(chosen.indexOf("\r\n\r\n") + 4).charAt(0)).as("FIN + binary opcode").isEqualTo((char) 0x82);
    }

    /** The raw answer to an upgrade asking for {@code protocols}: the 101 and what followed within a second. */
    private String upgrade(String protocols) {
        URI u = URI.create(server.wsUrl());
        String request = "GET " + u.getRawPath() + " HTTP/1.1\r\nHost: " + u.getHost() + ":" + u.getPort()
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: " + protocols + "\r\n\r\n";
        return RawSocketClient.exchangeRaw(server.wsUrl(), request.getBytes(StandardCharsets.US_ASCII), 1000);
    }
}
