package io.reactivewspool.test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.reactivewspool.WsRequestTimeoutException;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.AuthenticatedUser;
import io.reactivewspool.server.Authenticator;
import io.reactivewspool.server.OverflowPolicy;
import io.reactivewspool.server.TopicPolicy;
import io.reactivewspool.server.WsAccessDeniedException;
import io.reactivewspool.server.WsConnectionView;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.server.WsHubRequestException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The wire protocol of {@code docs/PROTOCOL.md}, one test per table row, against any server that
 * speaks it: subclass with a {@link ServerFactory} (the Reactor Netty {@code WsServer} here, the
 * Spring adapter later) and every row runs against that server over real loopback sockets.
 * Override {@link #clientCodec()} to run every row in a binary codec: the servers then offer it by
 * subprotocol, and the rows about JSON text on the wire are skipped with their reason.
 */
public abstract class HubConformanceSuite {

    protected static final String ADMIN = "ADMIN-SECRET";

    private final List<ServerUnderTest> servers = new ArrayList<>();
    private final List<ReactorNettyTestClient> clients = new ArrayList<>();

    /** How this transport starts a server. */
    protected abstract ServerFactory factory();

    /**
     * The codec the suite's clients speak, asked for by its subprotocol; JSON (no subprotocol) unless
     * a subclass runs the suite in a binary codec.
     */
    protected WsCodec clientCodec() {
        return WsCodec.json();
    }

    /** Skips the row unless the clients speak JSON, saying why the row is about JSON text on the wire. */
    protected void assumeJson(String why) {
        Assumptions.assumeFalse(clientCodec().binary(), () -> "JSON-only row: " + why);
    }

    /** Options every test starts from: publish allowed on pub.*, an echo and a failing handler. */
    protected static WsHubOptions.Builder base() {
        return WsHubOptions.builder()
                .topicPolicy(TopicPolicy.publishTo(List.of("pub.*")))
                .handler("echo", ctx -> Mono.just(WsMessage.of("echo", null, ctx.message().data())))
                .handler("boom", ctx -> Mono.error(new IllegalStateException("boom")))
                .closeDrainPeriod(Duration.ZERO);
    }

    protected ServerUnderTest server(WsHubOptions options) {
        return server(options, ADMIN);
    }

    /** A server with these options that also offers {@link #clientCodec()} when it is binary. */
    protected ServerUnderTest server(WsHubOptions options, String adminToken) {
        WsHubOptions offered = clientCodec().binary() ? options.mutate().codecs(clientCodec()).build() : options;
        ServerUnderTest s = factory().start(offered, adminToken);
        servers.add(s);
        return s;
    }

    protected ServerUnderTest server() {
        return server(base().build());
    }

    protected ReactorNettyTestClient client(ServerUnderTest s) {
        return client(s, s.wsUrl(), Map.of());
    }

    protected ReactorNettyTestClient client(ServerUnderTest s, String url, Map<String, String> headers) {
        ReactorNettyTestClient c = ReactorNettyTestClient.connect(url, headers, clientCodec());
        clients.add(c);
        return c;
    }

    /** An upgrade in the suite's codec, not awaited: see {@link ReactorNettyTestClient#handshakeStatus()}. */
    protected ReactorNettyTestClient handshake(String url, Map<String, String> headers) {
        ReactorNettyTestClient c = ReactorNettyTestClient.start(url, headers, clientCodec());
        clients.add(c);
        return c;
    }

    /** A raw socket client speaking the suite's codec (see {@link RawSocketClient}). */
    protected RawSocketClient rawClient(ServerUnderTest s, int receiveBuffer) {
        return RawSocketClient.connect(s.wsUrl(), receiveBuffer, clientCodec());
    }

    /** Sends an envelope no {@link WsMessage} can express, in the client's codec and frame kind. */
    private void send(ReactorNettyTestClient c, HandWrittenEnvelope envelope) {
        byte[] bytes = envelope.encode(clientCodec());
        if (clientCodec().binary()) {
            c.sendBinary(bytes);
        } else {
            c.send(new String(bytes, StandardCharsets.UTF_8));
        }
    }

    /** Sends one frame the client's codec cannot decode. */
    private void sendMalformed(ReactorNettyTestClient c) {
        if (clientCodec().binary()) {
            c.sendBinary(new byte[] {(byte) 0xc1, 0x00, (byte) 0xff, 0x13});
        } else {
            c.send("not json");
        }
    }

    /** A client of a new {@link #server()} that has read its welcome. */
    protected ReactorNettyTestClient welcomed() {
        return welcomed(server());
    }

    /** The client's next message, which must be a {@code type} answering {@code id}. */
    protected static WsMessage reply(ReactorNettyTestClient c, String type, String id) {
        WsMessage r = c.next();
        assertThat(r.type()).isEqualTo(type);
        assertThat(r.id()).isEqualTo(id);
        return r;
    }

    /** The connection still serves: a ping is answered with a pong. */
    protected static void assertAnswersPing(ReactorNettyTestClient c) {
        c.send(WsMessage.ping());
        assertThat(c.next().type()).isEqualTo("pong");
    }

    /** A client with {@code ?token=token} that has read its welcome. */
    protected ReactorNettyTestClient welcomedWithToken(ServerUnderTest s, String token) {
        ReactorNettyTestClient c = client(s, s.wsUrl() + "?token=" + token, Map.of());
        c.welcome();
        return c;
    }

    /** Subscribes {@code c} to {@code topic} and reads the {@code subscribed} answer. */
    protected static void subscribe(ReactorNettyTestClient c, String topic) {
        c.send(WsMessage.subscribe(topic));
        c.next("subscribed");
    }

    /** A client that has read its welcome. */
    protected ReactorNettyTestClient welcomed(ServerUnderTest s) {
        ReactorNettyTestClient c = client(s);
        c.welcome();
        return c;
    }

    @AfterEach
    void closeAll() {
        clients.forEach(ReactorNettyTestClient::close);
        servers.forEach(ServerUnderTest::release);
        if (clientCodec().binary()) {
            // A row in a binary codec passes only if the hub spoke that codec: never a text frame.
            assertThat(clients).allSatisfy(c -> assertThat(c.textFrames())
                    .as("text frames received by a %s client", clientCodec().subprotocol()).isZero());
        }
    }

    // ------------------------------------------------------------ transport and auth

    @Test
    void welcomeIsTheFirstMessageWithConnectionIdAnonymousUserAndHeartbeatInterval() {
        ServerUnderTest s = server();
        WsMessage w = client(s).next();
        assertThat(w.type()).isEqualTo("welcome");
        assertThat(w.data().get("connection_id").asString()).isNotBlank();
        assertThat(w.data().get("user_id").isNull()).isTrue();
        assertThat(w.data().get("heartbeat_interval_ms").asLong()).isEqualTo(30_000);
        assertThat(w.timestamp()).isNotNull();
        assertThat(s.hub().connection(w.data().get("connection_id").asString())).isPresent();
    }

    @Test
    void tokenInQueryParameterAuthenticatesTheUser() {
        ServerUnderTest s = server(base().authenticator(Authenticator.tokens(Map.of("T-ALICE", "alice"))).build());
        WsMessage w = client(s, s.wsUrl() + "?token=T-ALICE", Map.of()).welcome();
        assertThat(w.data().get("user_id").asString()).isEqualTo("alice");
    }

    @Test
    void bearerHeaderAuthenticatesTheUser() {
        ServerUnderTest s = server(base().authenticator(Authenticator.tokens(Map.of("T-BOB", "bob"))).build());
        WsMessage w = client(s, s.wsUrl(), Map.of("Authorization", "Bearer T-BOB")).welcome();
        assertThat(w.data().get("user_id").asString()).isEqualTo("bob");
    }

    @Test
    void upgradeWithoutTokenIsRefusedWith401BeforeAnyConnectionExists() {
        ServerUnderTest s = server(base().authenticator(Authenticator.tokens(Map.of("T-ALICE", "alice"))).build());
        ReactorNettyTestClient c = handshake(s.wsUrl(), Map.of());
        assertThat(c.handshakeStatus()).isEqualTo(401);
        assertThat(s.hub().admin().stats().totalConnections()).isZero();
        assertThat(s.hub().admin().stats().rejectedConnections()).isEqualTo(1);
    }

    @Test
    void upgradeWithWrongTokenIsRefusedWith401() {
        ServerUnderTest s = server(base().authenticator(Authenticator.tokens(Map.of("T-ALICE", "alice"))).build());
        assertThat(handshake(s.wsUrl() + "?token=WRONG", Map.of()).handshakeStatus()).isEqualTo(401);
        assertThat(handshake(s.wsUrl(), Map.of("Authorization", "Bearer WRONG")).handshakeStatus()).isEqualTo(401);
    }

    @Test
    void foreignOriginIsRefusedWith403() {
        ServerUnderTest s = server();
        assertThat(handshake(s.wsUrl(), Map.of("Origin", "https://evil.example")).handshakeStatus()).isEqualTo(403);
        assertThat(s.hub().admin().stats().totalConnections()).isZero();
    }

    @Test
    void configuredOriginIsAccepted() {
        ServerUnderTest s = server(base().allowedOrigins(Set.of("https://app.example")).build());
        assertThat(handshake(s.wsUrl(), Map.of("Origin", "https://app.example")).handshakeStatus()).isEqualTo(101);
        assertThat(handshake(s.wsUrl(), Map.of("Origin", "https://other.example")).handshakeStatus()).isEqualTo(403);
    }

    @Test
    void clientWithoutOriginIsAccepted() {
        ServerUnderTest s = server();
        assertThat(client(s).welcome().type()).isEqualTo("welcome");
    }

    @Test
    void binaryFrameAnswersErrorAndKeepsTheConnection() {
        assumeJson("a JSON connection refuses binary frames; a binary connection refusing text frames and malformed binary is CodecConformanceSuite.malformedBinaryInputAnswersAnErrorInTheCodecAndTheConnectionStays");
        ReactorNettyTestClient c = welcomed();
        c.sendBinary(new byte[] {1, 2, 3});
        assertThat(c.next().error()).contains("binary");
        c.send(WsMessage.ping().withId("p1"));
        assertThat(c.next().type()).isEqualTo("pong");
    }

    // ------------------------------------------------------------ envelope

    @Test
    void unknownFieldsAreIgnored() {
        ReactorNettyTestClient c = welcomed();
        send(c, HandWrittenEnvelope.of("type", "ping", "id", "u1", "colour", "blue", "nested", Map.of("a", List.of(1, 2))));
        reply(c, "pong", "u1");
    }

    @Test
    void everyServerMessageCarriesAnIsoTimestamp() {
        ServerUnderTest s = server();
        ReactorNettyTestClient c = welcomed(s);
        c.send(WsMessage.subscribe("t").withId("1"));
        c.send(WsMessage.ping().withId("2"));
        c.send(WsMessage.builder("nope").id("3").build());
        for (int i = 0; i < 3; i++) {
            WsMessage m = c.next();
            assertThat(m.timestamp()).as("timestamp of %s", m).isNotNull();
        }
        assertThat(c.received()).allSatisfy(m -> assertThat(m.offset()).isNull()); // no history on this hub
    }

    @Test
    void errorMessagesCarryTheReasonInTheErrorField() {
        ReactorNettyTestClient c = welcomed();
        c.send(WsMessage.builder("nope").id("e9").build());
        WsMessage r = c.next();
        assertThat(r.type()).isEqualTo("error");
        assertThat(r.error()).isNotBlank();
        assertThat(r.data()).isNull();
    }

    // ------------------------------------------------------------ client to server

    @Test
    void subscribeAnswersSubscribedCarryingTheRequestId() {
        ServerUnderTest s = server();
        ReactorNettyTestClient c = welcomed(s);
        c.send(WsMessage.subscribe("news").withId("s1"));
        WsMessage r = c.next();
        assertThat(r.type()).isEqualTo("subscribed");
        assertThat(r.topic()).isEqualTo("news");
        assertThat(r.id()).isEqualTo("s1");
        assertThat(s.hub().admin().stats().topicSubscribers()).containsEntry("news", 1);
    }

    @Test
    void subscribeWithSinceAnswersSubscribedWithRecoveredFlag() {
        ReactorNettyTestClient c = welcomed();
        c.send(WsMessage.subscribe("news", "42").withId("s2"));
        WsMessage r = reply(c, "subscribed", "s2");
        assertThat(r.data().get("recovered").isBoolean()).isTrue();
    }

    @Test
    void unsubscribeAnswersUnsubscribedAndStopsDelivery() {
        ServerUnderTest s = server();
        ReactorNettyTestClient c = welcomed(s);
        subscribe(c, "news");
        c.send(WsMessage.unsubscribe("news").withId("u1"));
        reply(c, "unsubscribed", "u1");
        assertThat(s.hub().broadcast("news", "alert", Map.of("x", 1))).isZero();
        c.send(WsMessage.ping().withId("after"));
        assertThat(c.next().type()).isEqualTo("pong");
    }

    @Test
    void publishReachesOtherSubscribersAsDataButNotTheSender() {
        ServerUnderTest s = server();
        ReactorNettyTestClient sender = welcomed(s);
        ReactorNettyTestClient other = welcomed(s);
        subscribe(sender, "pub.room");
        subscribe(other, "pub.room");
        sender.send(WsMessage.publish("pub.room", Map.of("text", "hi")));
        WsMessage d = other.next();
        assertThat(d.type()).isEqualTo("data");
        assertThat(d.topic()).isEqualTo("pub.room");
        assertThat(d.data().get("text").asString()).isEqualTo("hi");
        sender.send(WsMessage.ping().withId("marker"));
        assertThat(sender.next().type()).isEqualTo("pong");  // no data echoed back before the pong
    }

    @Test
    void publishWithIdIsAcknowledgedWithPublished() {
        ReactorNettyTestClient c = welcomed();
        c.send(WsMessage.publish("pub.x", Map.of("n", 1)).withId("p7"));
        WsMessage r = reply(c, "published", "p7");
        assertThat(r.topic()).isEqualTo("pub.x");
    }

    @Test
    void publishToATopicOutsideThePolicyAnswersError() {
        ReactorNettyTestClient c = welcomed();
        c.send(WsMessage.publish("private", Map.of()).withId("p8"));
        WsMessage r = reply(c, "error", "p8");
        assertThat(r.error()).contains("not allowed to publish");
    }

    @Test
    void pingAnswersPongCarryingTheRequestId() {
        ReactorNettyTestClient c = welcomed();
        c.send(WsMessage.ping().withId("k1"));
        WsMessage r = reply(c, "pong", "k1");
    }

    @Test
    void applicationTypeGoesToItsHandlerAndTheReplyCarriesTheId() {
        ReactorNettyTestClient c = welcomed();
        c.send(WsMessage.builder("echo").data(Map.of("v", "x")).id("e1").build());
        WsMessage r = reply(c, "echo", "e1");
        assertThat(r.data().get("v").asString()).isEqualTo("x");
    }

    @Test
    void failingHandlerAnswersErrorAndKeepsTheConnection() {
        ReactorNettyTestClient c = welcomed();
        c.send(WsMessage.builder("boom").id("b1").build());
        reply(c, "error", "b1");
        assertAnswersPing(c);
    }

    @Test
    void unknownTypeWithoutHandlerAnswersErrorUnknownMessageType() {
        ReactorNettyTestClient c = welcomed();
        c.send(WsMessage.builder("teleport").id("t1").build());
        WsMessage r = reply(c, "error", "t1");
        assertThat(r.error()).contains("unknown message type");
    }

    // ------------------------------------------------------------ credentials that expire, refresh

    /**
     * Tokens {@code USER@MILLIS}: the user, expiring MILLIS after they are checked ({@code never}:
     * no expiry; negative: already expired); anything else is invalid.
     */
    public static Authenticator expiringTokens() {
        return Authenticator.expiring((token, hs) -> {
            int at = token == null ? -1 : token.indexOf('@');
            if (at <= 0) {
                return Mono.empty();
            }
            String user = token.substring(0, at);
            String ttl = token.substring(at + 1);
            return Mono.just(ttl.equals("never") ? AuthenticatedUser.of(user)
                    : AuthenticatedUser.until(user, Instant.now().plusMillis(Long.parseLong(ttl))));
        });
    }

    private ReactorNettyTestClient expiring(ServerUnderTest s, String token) {
        ReactorNettyTestClient c = client(s, s.wsUrl() + "?token=" + token, Map.of());
        c.welcome();
        return c;
    }

    private static WsMessage refresh(String token, String id) {
        return WsMessage.builder(WsMessage.REFRESH).id(id).data(Map.of("token", token)).build();
    }

    @Test
    void credentialsThatExpireCloseTheConnectionWith4002() {
        ServerUnderTest s = server(base().authenticator(expiringTokens()).build());
        ReactorNettyTestClient c = expiring(s, "alice@1500");
        assertThat(c.awaitCloseCode()).isEqualTo(4002);
        assertThat(c.closeReason()).contains("credentials expired");
    }

    @Test
    void upgradeWithCredentialsAlreadyExpiredIsRefusedWith401() {
        ServerUnderTest s = server(base().authenticator(expiringTokens()).build());
        assertThat(handshake(s.wsUrl() + "?token=alice@-1000", Map.of()).handshakeStatus()).isEqualTo(401);
        assertThat(s.hub().admin().stats().totalConnections()).isZero();
    }

    @Test
    void refreshForTheSameUserIsAnsweredRefreshedAndTheNewExpiryApplies() {
        ServerUnderTest s = server(base().authenticator(expiringTokens()).build());
        Instant oldExpiry = Instant.now().plusMillis(1500);
        ReactorNettyTestClient c = expiring(s, "alice@1500");
        c.send(refresh("alice@3600000", "r1"));
        WsMessage r = reply(c, WsMessage.REFRESHED, "r1");
        assertThat(Instant.parse(r.data().get("expires_at").asString())).isAfter(Instant.now().plusSeconds(3000));
        // Past the old expiry (with a second to spare), the connection still answers.
        await().atMost(ReactorNettyTestClient.WAIT).until(() -> Instant.now().isAfter(oldExpiry.plusSeconds(1)));
        c.send(WsMessage.ping().withId("p1"));
        assertThat(c.next().type()).isEqualTo("pong");
        assertThat(c.isClosed()).isFalse();
    }

    @Test
    void refreshWithAnotherUsersTokenIsRefusedAndTheOldExpiryStays() {
        ServerUnderTest s = server(base().authenticator(expiringTokens()).build());
        ReactorNettyTestClient c = expiring(s, "alice@2000");
        c.send(refresh("bob@3600000", "r2"));
        WsMessage r = reply(c, "error", "r2");
        assertThat(r.error()).contains("refresh refused").contains("another user");
        assertThat(c.awaitCloseCode()).isEqualTo(4002);
    }

    @Test
    void refreshWithAnInvalidOrExpiredTokenIsRefusedNamingWhyAndTheConnectionStays() {
        ServerUnderTest s = server(base().authenticator(expiringTokens()).build());
        ReactorNettyTestClient c = expiring(s, "alice@never");
        c.send(refresh("garbage", "r3"));
        WsMessage invalid = reply(c, "error", "r3");
        assertThat(invalid.error()).contains("refresh refused: invalid credentials");
        c.send(refresh("alice@-1000", "r4"));
        WsMessage expired = c.next();
        assertThat(expired.id()).isEqualTo("r4");
        assertThat(expired.error()).contains("refresh refused: credentials expired");
        c.send(WsMessage.ping().withId("p2"));
        assertThat(c.next().type()).isEqualTo("pong");
    }

    @Test
    void refreshWithoutATokenIsABadMessage() {
        ServerUnderTest s = server(base().authenticator(expiringTokens()).build());
        ReactorNettyTestClient c = expiring(s, "alice@never");
        c.send(WsMessage.builder(WsMessage.REFRESH).id("r5").build());
        WsMessage r = reply(c, "error", "r5");
        assertThat(r.error()).contains("data.token");
    }

    @Test
    void refreshOnAnAnonymousConnectionIsRefused() {
        ReactorNettyTestClient c = welcomed();
        c.send(refresh("alice@never", "r6"));
        WsMessage r = reply(c, "error", "r6");
        assertThat(r.error()).contains("anonymous");
    }

    // ------------------------------------------------------------ server to client

    @Test
    void applicationBroadcastArrivesWithTheSendersMessageType() {
        ServerUnderTest s = server();
        ReactorNettyTestClient c = welcomed(s);
        subscribe(c, "announcements");
        assertThat(s.hub().broadcast("announcements", "system_announcement", Map.of("message", "hello"))).isEqualTo(1);
        WsMessage m = c.next();
        assertThat(m.type()).isEqualTo("system_announcement");
        assertThat(m.topic()).isEqualTo("announcements");
        assertThat(m.data().get("message").asString()).isEqualTo("hello");
        assertThat(m.timestamp()).isNotNull();
    }

    @Test
    void directSendToAConnectionArrives() {
        ServerUnderTest s = server();
        ReactorNettyTestClient c = client(s);
        String id = c.welcome().data().get("connection_id").asString();
        assertThat(s.hub().sendTo(id, WsMessage.of("notice", null, Map.of("n", 1)))).isTrue();
        assertThat(c.next().type()).isEqualTo("notice");
    }

    // ------------------------------------------------------------ requests of the hub, acks

    @Test
    void hubRequestCarriesAReservedIdAndCompletesWithTheClientsAck() {
        ServerUnderTest s = server();
        ReactorNettyTestClient c = client(s);
        String id = c.welcome().data().get("connection_id").asString();
        CompletableFuture<WsMessage> answer = s.hub().request(id, WsMessage.of("confirm", null, Map.of("order", 42)),
                Duration.ofSeconds(30)).toFuture();
        WsMessage request = c.next("confirm");
        assertThat(request.id()).startsWith(WsMessage.HUB_REQUEST_ID_PREFIX);
        assertThat(request.isHubRequest()).isTrue();
        assertThat(request.data().get("order").asInt()).isEqualTo(42);
        c.send(WsMessage.ack(request.id(), Map.of("accepted", true)));
        WsMessage ack = answer.orTimeout(10, TimeUnit.SECONDS).join();
        assertThat(ack.type()).isEqualTo(WsMessage.ACK);
        assertThat(ack.id()).isEqualTo(request.id());
        assertThat(ack.data().get("accepted").asBoolean()).isTrue();
        c.send(WsMessage.ping().withId("after"));
        assertThat(c.next().type()).as("a matched ack is not answered").isEqualTo("pong");
    }

    @Test
    void ackWithAnErrorFailsTheHubRequestAsRefusedWithTheClientsWords() {
        ServerUnderTest s = server();
        ReactorNettyTestClient c = client(s);
        String id = c.welcome().data().get("connection_id").asString();
        CompletableFuture<WsMessage> answer = s.hub().request(id, WsMessage.of("confirm", null, null), Duration.ofSeconds(30))
                .toFuture();
        c.send(WsMessage.ackError(c.next("confirm").id(), "order unknown"));
        assertThatThrownBy(() -> answer.orTimeout(10, TimeUnit.SECONDS).join())
                .cause().isInstanceOfSatisfying(WsHubRequestException.class, e -> {
                    assertThat(e.reason()).isEqualTo(WsHubRequestException.Reason.REFUSED);
                    assertThat(e.connectionId()).isEqualTo(id);
                    assertThat(e.getMessage()).contains("order unknown");
                });
    }

    @Test
    void ackThatAnswersNothingIsAnsweredWithErrorAndTheConnectionStays() {
        ServerUnderTest s = server();
        ReactorNettyTestClient c = client(s);
        String id = c.welcome().data().get("connection_id").asString();
        c.send(WsMessage.ack("hub:77", Map.of()));
        WsMessage unknown = reply(c, "error", "hub:77");
        assertThat(unknown.error()).contains("unknown request id");
        c.send(WsMessage.builder(WsMessage.ACK).build());
        assertThat(c.next().error()).contains("ack needs the \"id\"");
        // The hub stopped waiting (timeout): the ack that comes after is late, told as such.
        String late = s.hub().request(id, WsMessage.of("confirm", null, null), Duration.ofMillis(200))
                .onErrorResume(WsRequestTimeoutException.class, e -> Mono.just(WsMessage.of("timed_out").withId(e.requestId())))
                .block(Duration.ofSeconds(30)).id();
        assertThat(c.next("confirm").id()).isEqualTo(late);
        c.send(WsMessage.ack(late, null));
        WsMessage tooLate = c.next();
        assertThat(tooLate.type()).isEqualTo("error");
        assertThat(tooLate.id()).isEqualTo(late);
        assertThat(tooLate.error()).contains("too late");
        c.send(WsMessage.ping().withId("still-open"));
        assertThat(c.next().type()).isEqualTo("pong");
    }

    @Test
    void clientIdsBeginningWithTheHubPrefixAreRefused() {
        ServerUnderTest s = server();
        ReactorNettyTestClient c = welcomed(s);
        c.send(WsMessage.ping().withId("hub:1"));
        WsMessage r = reply(c, "error", "hub:1");
        assertThat(r.error()).contains("reserved for the hub's requests");
    }

    @Test
    void heartbeatMessagesAndPingFramesArriveEveryInterval() {
        ServerUnderTest s = server(base().heartbeatInterval(Duration.ofMillis(100)).heartbeatMessages(true).build());
        ReactorNettyTestClient c = welcomed(s);
        assertThat(c.next("heartbeat").timestamp()).isNotNull();
        await().atMost(ReactorNettyTestClient.WAIT).until(() -> c.pingFrames() >= 2);
    }

    @Test
    void pongFramesCountAsActivity() {
        ServerUnderTest s = server(base().heartbeatInterval(Duration.ofMillis(100)).connectionTimeout(Duration.ofMillis(600)).build());
        ReactorNettyTestClient c = client(s);
        String id = c.welcome().data().get("connection_id").asString();
        // The test client answers ping frames with pongs and sends nothing else.
        await().atMost(ReactorNettyTestClient.WAIT).until(() -> c.pingFrames() >= 10);
        assertThat(c.isClosed()).isFalse();
        assertThat(s.hub().connection(id)).isPresent();
    }

    @Test
    void clientPingFrameIsAnsweredWithAPongFrame() {
        ReactorNettyTestClient c = welcomed();
        c.sendPingFrame();
        await().atMost(ReactorNettyTestClient.WAIT).until(() -> c.pongFrames() == 1);
    }

    @Test
    void authenticatedButForbiddenUserIsRefusedWith403() {
        Authenticator blocking = (token, hs) -> "BLOCKED".equals(token)
                ? Mono.error(new WsAccessDeniedException("user blocked"))
                : Mono.justOrEmpty(token == null ? null : "u-" + token);
        ServerUnderTest s = server(base().authenticator(blocking).build());
        assertThat(handshake(s.wsUrl() + "?token=BLOCKED", Map.of()).handshakeStatus()).isEqualTo(403);
        assertThat(client(s, s.wsUrl() + "?token=OK", Map.of()).welcome().data().get("user_id").asString()).isEqualTo("u-OK");
    }

    // ------------------------------------------------------------ bad input

    @Test
    void malformedJsonAnswersErrorAndKeepsTheConnection() {
        assumeJson("malformed JSON text; malformed binary input is CodecConformanceSuite.malformedBinaryInputAnswersAnErrorInTheCodecAndTheConnectionStays");
        ReactorNettyTestClient c = welcomed();
        c.send("{\"type\": \"ping\", \"id\": \"m1\"");
        WsMessage r = c.next();
        assertThat(r.type()).isEqualTo("error");
        assertThat(r.error()).contains("malformed JSON");
        assertAnswersPing(c);
    }

    @Test
    void missingTypeAnswersErrorWithTheId() {
        ReactorNettyTestClient c = welcomed();
        send(c, HandWrittenEnvelope.of("id", "m2", "topic", "x"));
        WsMessage r = reply(c, "error", "m2");
        assertThat(r.error()).contains("type");
    }

    @Test
    void nonStringTypeAnswersErrorWithTheId() {
        ReactorNettyTestClient c = welcomed();
        send(c, HandWrittenEnvelope.of("type", 42, "id", "m3"));
        WsMessage r = reply(c, "error", "m3");
    }

    @Test
    void missingTopicAnswersError() {
        ReactorNettyTestClient c = welcomed();
        c.send(WsMessage.builder(WsMessage.SUBSCRIBE).id("m4").build());
        WsMessage r = reply(c, "error", "m4");
        assertThat(r.error()).contains("topic");
    }

    @Test
    void emptyTopicAnswersError() {
        assertInvalidTopic("");
    }

    @Test
    void topicLongerThan256CharactersAnswersError() {
        assertInvalidTopic("a".repeat(257));
    }

    @Test
    void topicWithForbiddenCharactersAnswersError() {
        assertInvalidTopic("bad topic!");
    }

    private void assertInvalidTopic(String topic) {
        ReactorNettyTestClient c = welcomed();
        c.send(WsMessage.builder(WsMessage.SUBSCRIBE).topic(topic).id("bad").build());
        WsMessage r = reply(c, "error", "bad");
        assertThat(r.error()).contains("topic");
        assertAnswersPing(c);
    }

    @Test
    void topicTheConnectionMayNotUseAnswersError() {
        TopicPolicy denyAdmin = new TopicPolicy() {
            @Override
            public boolean canSubscribe(WsConnectionView connection, String topic) {
                return !topic.startsWith("admin.");
            }

            @Override
            public boolean canPublish(WsConnectionView connection, String topic) {
                return false;
            }
        };
        ServerUnderTest s = server(base().topicPolicy(denyAdmin).build());
        ReactorNettyTestClient c = welcomed(s);
        c.send(WsMessage.subscribe("admin.audit").withId("d1"));
        WsMessage r = reply(c, "error", "d1");
        assertThat(r.error()).contains("not allowed to subscribe");
    }

    @Test
    void subscriptionOverThePerConnectionLimitAnswersError() {
        ServerUnderTest s = server(base().maxTopicsPerConnection(2).build());
        ReactorNettyTestClient c = welcomed(s);
        c.send(WsMessage.subscribe("a"));
        c.send(WsMessage.subscribe("b"));
        c.send(WsMessage.subscribe("c").withId("l3"));
        c.next("subscribed");
        c.next("subscribed");
        WsMessage r = reply(c, "error", "l3");
        assertThat(r.error()).contains("at most 2 topics");
    }

    @Test
    void subscriptionOverThePerTopicLimitAnswersError() {
        ServerUnderTest s = server(base().maxConnectionsPerTopic(1).build());
        ReactorNettyTestClient a = welcomed(s);
        ReactorNettyTestClient b = welcomed(s);
        subscribe(a, "full");
        b.send(WsMessage.subscribe("full").withId("f2"));
        WsMessage r = b.next();
        assertThat(r.type()).isEqualTo("error");
        assertThat(r.error()).contains("is full");
    }

    // ------------------------------------------------------------ close codes

    @Test
    void adminDisconnectClosesWith1000AndTheReason() {
        ServerUnderTest s = server();
        ReactorNettyTestClient c = client(s);
        String id = c.welcome().data().get("connection_id").asString();
        AdminHttp.Response r = AdminHttp.post(s.adminUrl() + "/disconnect", ADMIN,
                "{\"connection_ids\": [\"" + id + "\"], \"reason\": \"maintenance\"}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("disconnected").asInt()).isEqualTo(1);
        assertThat(c.awaitCloseCode()).isEqualTo(1000);
        assertThat(c.closeReason()).isEqualTo("maintenance");
    }

    @Test
    void serverShutdownClosesWith1001() {
        ServerUnderTest s = server();
        ReactorNettyTestClient c = welcomed(s);
        s.close();
        assertThat(c.awaitCloseCode()).isEqualTo(1001);
    }

    @Test
    void repeatedRateLimitViolationsCloseWith1008() {
        ServerUnderTest s = server(base().rateLimitPerSecond(5).maxRateLimitViolations(3).build());
        ReactorNettyTestClient c = welcomed(s);
        for (int i = 0; i < 20; i++) {
            c.send(WsMessage.ping().withId("r" + i));
        }
        assertThat(c.next("error").error()).contains("rate limit");
        assertThat(c.awaitCloseCode()).isEqualTo(1008);
    }

    @Test
    void tooManyBadMessagesCloseWith1008() {
        ServerUnderTest s = server(base().maxBadMessages(3).build());
        ReactorNettyTestClient c = welcomed(s);
        for (int i = 0; i < 5; i++) {
            sendMalformed(c);
        }
        assertThat(c.awaitCloseCode()).isEqualTo(1008);
    }

    @Test
    void frameLargerThanTheMaximumClosesWith1009() {
        ServerUnderTest s = server(base().maxFrameBytes(1024).build());
        ReactorNettyTestClient c = welcomed(s);
        c.send(WsMessage.builder(WsMessage.PING).data("x".repeat(2000)).build());
        assertThat(c.awaitCloseCode()).isEqualTo(1009);
    }

    @Test
    void fragmentedMessageIsReassembled() {
        ServerUnderTest s = server();
        RawSocketClient c = rawClient(s, 0);
        assertThat(c.readMessage().type()).isEqualTo("welcome");
        c.sendFragmented(WsMessage.ping().withId("f1"), 8);
        WsMessage r = c.readMessage();
        assertThat(r.type()).isEqualTo("pong");
        assertThat(r.id()).isEqualTo("f1");
        c.close();
    }

    @Test
    void fragmentedMessageLargerThanTheMaximumClosesWith1009() {
        ServerUnderTest s = server(base().maxFrameBytes(1024).build());
        RawSocketClient c = rawClient(s, 0);
        assertThat(c.readMessage().type()).isEqualTo("welcome");
        c.sendFragmented(WsMessage.builder(WsMessage.PING).data("x".repeat(1400)).build(), 720); // each under 1024
        assertThat(c.readUntilCloseCode()).isEqualTo(1009);
    }

    @Test
    void unexpectedServerErrorClosesWith1011() {
        TopicPolicy broken = new TopicPolicy() {
            @Override
            public boolean canSubscribe(WsConnectionView connection, String topic) {
                throw new IllegalStateException("policy store unavailable");
            }

            @Override
            public boolean canPublish(WsConnectionView connection, String topic) {
                return false;
            }
        };
        ServerUnderTest s = server(base().topicPolicy(broken).build());
        ReactorNettyTestClient c = welcomed(s);
        c.send(WsMessage.subscribe("x"));
        assertThat(c.awaitCloseCode()).isEqualTo(1011);
    }

    @Test
    void connectionOverTheLimitIsClosedWith1013() {
        ServerUnderTest s = server(base().maxConnections(1).build());
        welcomed(s);
        ReactorNettyTestClient second = client(s);
        assertThat(second.awaitCloseCode()).isEqualTo(1013);
        assertThat(s.hub().admin().stats().activeConnections()).isEqualTo(1);
    }

    @Test
    void connectionOverThePerUserLimitIsClosedWith1013() {
        ServerUnderTest s = server(base().maxConnectionsPerUser(1)
                .authenticator(Authenticator.tokens(Map.of("T-ALICE", "alice"))).build());
        client(s, s.wsUrl() + "?token=T-ALICE", Map.of()).welcome();
        ReactorNettyTestClient second = client(s, s.wsUrl() + "?token=T-ALICE", Map.of());
        assertThat(second.awaitCloseCode()).isEqualTo(1013);
    }

    @Test
    void connectionWithoutActivityIsClosedWith4000() {
        ServerUnderTest s = server(base().heartbeatInterval(Duration.ofMillis(50)).connectionTimeout(Duration.ofMillis(300)).build());
        // A raw client that never answers ping frames and sends nothing.
        RawSocketClient idle = rawClient(s, 0);
        assertThat(idle.readMessage().type()).isEqualTo("welcome");
        assertThat(idle.readUntilCloseCode()).isEqualTo(4000);
        assertThat(s.hub().admin().stats().heartbeatTimeouts()).isEqualTo(1);
    }

    @Test
    void overflowWithDisconnectPolicyClosesWith4001() {
        ServerUnderTest s = server(base().outboundQueueSize(4)
                .overflowPolicy(OverflowPolicy.DISCONNECT).build());
        RawSocketClient stalled = rawClient(s, 4096);
        stalled.send(WsMessage.subscribe("flood"));
        await().atMost(ReactorNettyTestClient.WAIT).until(() -> s.hub().admin().stats().topicSubscribers().getOrDefault("flood", 0) == 1);
        byte[] big = new byte[16 * 1024];
        Arrays.fill(big, (byte) 'x');
        String payload = new String(big, StandardCharsets.US_ASCII);
        await().atMost(ReactorNettyTestClient.WAIT).pollInterval(Duration.ofMillis(10)).until(() -> {
            for (int i = 0; i < 20; i++) {
                s.hub().broadcast("flood", "bulk", payload);
            }
            return s.hub().admin().stats().activeConnections() == 0;
        });
        assertThat(s.hub().admin().stats().messagesDropped()).isPositive();
        assertThat(stalled.readUntilCloseCode()).isEqualTo(4001);
        stalled.close();
    }

    // ------------------------------------------------------------ admin API

    @Test
    void adminApiWithoutCredentialsAnswers401AndWithWrongOnes403() {
        ServerUnderTest s = server();
        AdminHttp.Response none = AdminHttp.get(s.adminUrl() + "/stats", null);
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.json().get("error").asString()).contains("Authorization: Bearer");
        assertThat(AdminHttp.get(s.adminUrl() + "/stats", "WRONG").status()).isEqualTo(403);
        assertThat(AdminHttp.post(s.adminUrl() + "/broadcast", null, "{}").status()).isEqualTo(401);
        assertThat(AdminHttp.post(s.adminUrl() + "/broadcast", "WRONG", "{}").status()).isEqualTo(403);
    }

    /**
     * A refusal is answered before the body is read, so the connection must close with it: kept open, a body
     * the client sent after the answer became the start of the next request on it, which Jetty answered with
     * 400 (as an HTTP client does: headers first, the body in a second write).
     */
    @Test
    void aRefusedAdminRequestsUnreadBodyIsNeverReadAsTheNextRequest() throws Exception {
        ServerUnderTest s = server();
        URI admin = URI.create(s.adminUrl());
        String host = admin.getHost() + ":" + admin.getPort();
        String head = "POST " + admin.getRawPath() + "/broadcast HTTP/1.1\r\nHost: " + host
                + "\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n";
        String next = "GET " + admin.getRawPath() + "/stats HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer WRONG\r\n\r\n";
        try (Socket socket = new Socket(admin.getHost(), admin.getPort())) {
            socket.setSoTimeout(3000);
            socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            while (!answer.toString(StandardCharsets.US_ASCII).contains("}")) {
                int n = in.read(buf);
                assertThat(n).as("the answer to the refused request, before its body: %s", answer).isPositive();
                answer.write(buf, 0, n);
            }
            try {
                socket.getOutputStream().write(("{}" + next).getBytes(StandardCharsets.US_ASCII));
                for (int n; (n = in.read(buf)) >= 0; ) {
                    answer.write(buf, 0, n);
                }
            } catch (IOException closed) {
                // The server closed the connection: what it answered is in answer.
            }
            String all = answer.toString(StandardCharsets.US_ASCII);
            List<String> statuses = all.lines().filter(l -> l.startsWith("HTTP/1.1 ")).toList();
            assertThat(statuses).as(all).isNotEmpty();
            assertThat(statuses.get(0)).startsWith("HTTP/1.1 401");
            assertThat(statuses).as(all).noneMatch(l -> l.startsWith("HTTP/1.1 400"));
            assertThat(all.toLowerCase(Locale.ROOT)).as("the refusal closes the connection").contains("connection: close");
            assertThat(statuses).as("nothing answered after the refusal: %s", all).hasSize(1);
        }
    }

    @Test
    void adminApiWithoutConfiguredAuthenticatorAnswers403ToEveryone() {
        ServerUnderTest s = server(base().build(), null);
        assertThat(AdminHttp.get(s.adminUrl() + "/stats", ADMIN).status()).isEqualTo(403);
    }

    @Test
    void adminStatsShowsTotalsTopicsStatesAndCleanupCounters() {
        ServerUnderTest s = server();
        ReactorNettyTestClient c = welcomed(s);
        subscribe(c, "news");
        AdminHttp.Response r = AdminHttp.get(s.adminUrl() + "/stats", ADMIN);
        assertThat(r.status()).isEqualTo(200);
        JsonNode j = r.json();
        assertThat(j.get("active_connections").asInt()).isEqualTo(1);
        assertThat(j.get("total_connections").asInt()).isEqualTo(1);
        assertThat(j.get("messages_sent").asLong()).isGreaterThanOrEqualTo(2);
        assertThat(j.get("topic_subscribers").get("news").asInt()).isEqualTo(1);
        assertThat(j.get("connection_states").get("OPEN").asInt()).isEqualTo(1);
        assertThat(j.has("cleanup_runs")).isTrue();
    }

    @Test
    void adminConnectionsAreFilteredByUserAndTopic() {
        ServerUnderTest s = server(base().authenticator(Authenticator.tokens(Map.of("TA", "alice", "TB", "bob"))).build());
        ReactorNettyTestClient alice = welcomedWithToken(s, "TA");
        ReactorNettyTestClient bob = welcomedWithToken(s, "TB");
        subscribe(bob, "orders");
        JsonNode byUser = AdminHttp.get(s.adminUrl() + "/connections?user_id=alice", ADMIN).json();
        assertThat(byUser.get("count").asInt()).isEqualTo(1);
        assertThat(byUser.get("connections").get(0).get("user_id").asString()).isEqualTo("alice");
        JsonNode byTopic = AdminHttp.get(s.adminUrl() + "/connections?topic=orders", ADMIN).json();
        assertThat(byTopic.get("count").asInt()).isEqualTo(1);
        assertThat(byTopic.get("connections").get(0).get("user_id").asString()).isEqualTo("bob");
        assertThat(AdminHttp.get(s.adminUrl() + "/connections", ADMIN).json().get("count").asInt()).isEqualTo(2);
    }

    @Test
    void adminConnectionByIdShowsOneConnectionOr404() {
        ServerUnderTest s = server();
        String id = client(s).welcome().data().get("connection_id").asString();
        AdminHttp.Response r = AdminHttp.get(s.adminUrl() + "/connections/" + id, ADMIN);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("connection_id").asString()).isEqualTo(id);
        assertThat(r.json().get("state").asString()).isEqualTo("OPEN");
        assertThat(Instant.parse(r.json().get("created_at").asString())).isNotNull();
        assertThat(r.json().get("queued_messages").isNumber()).isTrue();
        assertThat(AdminHttp.get(s.adminUrl() + "/connections/nope", ADMIN).status()).isEqualTo(404);
    }

    @Test
    void adminDisconnectByUserAndByTopicClosesThoseConnections() {
        ServerUnderTest s = server(base().authenticator(Authenticator.tokens(Map.of("TA", "alice", "TB", "bob"))).build());
        ReactorNettyTestClient alice = welcomedWithToken(s, "TA");
        ReactorNettyTestClient bob = welcomedWithToken(s, "TB");
        subscribe(bob, "orders");
        AdminHttp.Response byUser = AdminHttp.post(s.adminUrl() + "/disconnect", ADMIN, "{\"user_id\": \"alice\", \"reason\": \"bye\"}");
        assertThat(byUser.json().get("disconnected").asInt()).isEqualTo(1);
        assertThat(alice.awaitCloseCode()).isEqualTo(1000);
        assertThat(bob.isClosed()).isFalse();
        AdminHttp.Response byTopic = AdminHttp.post(s.adminUrl() + "/disconnect", ADMIN, "{\"topic\": \"orders\", \"reason\": \"moved\"}");
        assertThat(byTopic.json().get("disconnected").asInt()).isEqualTo(1);
        assertThat(bob.awaitCloseCode()).isEqualTo(1000);
        assertThat(AdminHttp.post(s.adminUrl() + "/disconnect", ADMIN, "{\"reason\": \"x\"}").status()).isEqualTo(400);
    }

    @Test
    void adminCleanupAnswersWhatItRemoved() {
        ServerUnderTest s = server();
        welcomed(s);
        AdminHttp.Response r = AdminHttp.post(s.adminUrl() + "/cleanup", ADMIN, "");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("removed").asInt()).isZero();
        assertThat(r.json().get("remaining").asInt()).isEqualTo(1);
    }

    @Test
    void adminBroadcastAnswersHowManyConnectionsItReached() {
        ServerUnderTest s = server();
        ReactorNettyTestClient a = welcomed(s);
        ReactorNettyTestClient b = welcomed(s);
        subscribe(a, "announcements");
        subscribe(b, "announcements");
        AdminHttp.Response r = AdminHttp.post(s.adminUrl() + "/broadcast", ADMIN,
                "{\"topic\": \"announcements\", \"message_type\": \"admin_message\", \"data\": {\"message\": \"maintenance\"}}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("reached").asInt()).isEqualTo(2);
        WsMessage m = a.next();
        assertThat(m.type()).isEqualTo("admin_message");
        assertThat(m.data().get("message").asString()).isEqualTo("maintenance");
        assertThat(b.next().type()).isEqualTo("admin_message");
        assertThat(AdminHttp.post(s.adminUrl() + "/broadcast", ADMIN, "{\"topic\": \"bad topic\", \"message_type\": \"x\"}").status())
                .isEqualTo(400);
    }
}
