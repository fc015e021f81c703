package io.reactivewspool.security;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.read.ListAppender;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.AdminAuthenticator;
import io.reactivewspool.server.Authenticator;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.server.netty.WsServerOptions;
import io.reactivewspool.test.AdminHttp;
import io.reactivewspool.test.HubFixture;
import io.reactivewspool.test.RawSocketClient;
import io.reactivewspool.test.ReactorNettyTestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No token in any log line. Every logger runs at TRACE (the library, Reactor Netty, Netty) and
 * all output goes to a {@link ListAppender} on the root logger while clients connect with tokens
 * in the query string and in the {@code Authorization} header, fail authentication, send a
 * malformed upgrade carrying a token, make an authenticator fail with the token in its exception
 * message, and use the admin API with right and wrong bearer tokens; then no captured line,
 * argument, exception or MDC value contains any of the tokens.
 */
class TokenLoggingIT {

    private static final String[] LOGGERS = {Logger.ROOT_LOGGER_NAME, "io.reactivewspool", "reactor", "io.netty"};

    private final String userToken = secret("user");
    private final String wrongToken = secret("wrong");
    private final String adminToken = secret("admin");
    private final String thrownToken = secret("thrown");

    private final ListAppender<ILoggingEvent> captured = new ListAppender<>();
    private final Map<String, Level> levels = new HashMap<>();
    private final List<Appender<ILoggingEvent>> detached = new ArrayList<>();

    private static String secret(String what) {
        return "SeCrEt-" + what + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
    }

    @BeforeEach
    void captureEverything() {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
            detached.add(it.next()); // TRACE from Netty on the console would drown the build log
        }
        detached.forEach(root::detachAppender);
        for (String name : LOGGERS) {
            Logger l = ctx.getLogger(name);
            levels.put(name, l.getLevel());
            l.setLevel(Level.TRACE);
        }
        captured.setContext(ctx);
        captured.start();
        root.addAppender(captured);
    }

    @AfterEach
    void restoreLogging() {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        root.detachAppender(captured);
        captured.stop();
        levels.forEach((name, level) -> ctx.getLogger(name).setLevel(level));
        detached.forEach(root::addAppender);
    }

    @Test
    void noLogLineEverContainsAToken() {
        Authenticator auth = (token, hs) -> {
            if (thrownToken.equals(token)) {
                return Mono.error(new IllegalStateException("token store rejected " + token));
            }
            return Authenticator.tokens(Map.of(userToken, "alice")).authenticate(token, hs);
        };
        AdminAuthenticator admin = request -> {
            if (thrownToken.equals(request.bearerToken())) {
                throw new IllegalStateException("admin store rejected " + request.bearerToken());
            }
            return AdminAuthenticator.bearer(adminToken).isAdmin(request);
        };
        HubFixture f = HubFixture.start(WsHubOptions.builder().authenticator(auth).closeDrainPeriod(Duration.ZERO).build(),
                WsServerOptions.builder().host("127.0.0.1").port(0).adminAuthenticator(admin).build());
        try {
            ReactorNettyTestClient byQuery = ReactorNettyTestClient.connect(f.wsUrl() + "?token=" + userToken);
            String connectionId = byQuery.welcome().data().get("connection_id").asString();
            ReactorNettyTestClient byHeader = ReactorNettyTestClient.connect(f.wsUrl(), Map.of("Authorization", "Bearer " + userToken));
            byHeader.welcome();
            byHeader.send(WsMessage.ping().withId(userToken)); // a token where a client should not put one: echoed, not logged
            byHeader.next("pong");

            assertThat(ReactorNettyTestClient.start(f.wsUrl() + "?token=" + wrongToken, Map.of()).handshakeStatus()).isEqualTo(401);
            assertThat(ReactorNettyTestClient.start(f.wsUrl(), Map.of("Authorization", "Bearer " + wrongToken)).handshakeStatus()).isEqualTo(401);
            assertThat(ReactorNettyTestClient.start(f.wsUrl() + "?token=" + thrownToken, Map.of()).handshakeStatus()).isEqualTo(401);
            assertThat(ReactorNettyTestClient.start(f.wsUrl() + "?token=" + userToken, Map.of("Origin", "https://evil.example"))
                    .handshakeStatus()).isEqualTo(403);
            String host = "127.0.0.1:" + f.server().port();
            for (String broken : List.of("Content-Length: x\r\n", "Sec-WebSocket-Version: 8\r\n")) {
                String request = "GET /ws?token=" + userToken + " HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\n"
                        + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        + (broken.startsWith("Sec") ? "" : "Sec-WebSocket-Version: 13\r\n") + broken
                        + "Authorization: Bearer " + wrongToken + "\r\n\r\n";
                assertThat(RawSocketClient.exchangeRaw(f.wsUrl(), request.getBytes(StandardCharsets.ISO_8859_1), 1_000))
                        .startsWith("HTTP/1.1 4");
            }

            assertThat(AdminHttp.get(f.adminUrl() + "/stats", adminToken).status()).isEqualTo(200);
            assertThat(AdminHttp.get(f.adminUrl() + "/stats", wrongToken).status()).isEqualTo(403);
            assertThat(AdminHttp.get(f.adminUrl() + "/stats", thrownToken).status()).isEqualTo(403);
            assertThat(AdminHttp.get(f.adminUrl() + "/stats?token=" + adminToken, null).status()).isEqualTo(401);
            assertThat(AdminHttp.post(f.adminUrl() + "/disconnect", adminToken,
                    "{\"connection_ids\": [\"" + connectionId + "\"], \"reason\": \"log test\"}").status()).isEqualTo(200);
            assertThat(byQuery.awaitCloseCode()).isEqualTo(1000);
            byHeader.close();
        } finally {
            f.close();
        }

        // The test's own WebSocket clients are Reactor Netty clients that log the URL they dial at
        // DEBUG; the guarantee is the server's, so client-side loggers are left out.
        // Threads of the closed server may still log: stop the capture, then read it under the
        // appender's own lock (AppenderBase.doAppend is synchronized on the appender).
        List<ILoggingEvent> events;
        synchronized (captured) {
            captured.stop();
            events = List.copyOf(captured.list);
        }
        List<String> lines = events.stream().filter(e -> !e.getLoggerName().startsWith("reactor.netty.http.client"))
                .map(TokenLoggingIT::render).toList();
        // The capture saw the events that matter, so an empty log cannot pass for a clean one.
        assertThat(lines).anyMatch(l -> l.contains("connection opened"));
        assertThat(lines).anyMatch(l -> l.contains("upgrade refused status=401"));
        assertThat(lines).anyMatch(l -> l.contains("authenticator failed"));
        assertThat(lines).anyMatch(l -> l.contains("admin request refused status=403"));
        assertThat(lines).anyMatch(l -> l.contains("admin disconnect"));
        for (String token : List.of(userToken, wrongToken, adminToken, thrownToken)) {
            String lower = token.toLowerCase(Locale.ROOT);
            assertThat(lines).as("log lines containing %s", token)
                    .noneMatch(l -> l.toLowerCase(Locale.ROOT).contains(lower));
        }
        System.out.println("token logging: " + lines.size() + " log events captured at TRACE, none with a token");
    }

    /** Everything an appender could write for the event: message, arguments, exception with causes, MDC. */
    private static String render(ILoggingEvent e) {
        StringBuilder b = new StringBuilder().append(e.getLevel()).append(' ').append(e.getLoggerName()).append(" - ")
                .append(e.getFormattedMessage());
        if (e.getArgumentArray() != null) {
            for (Object a : e.getArgumentArray()) {
                b.append(" | ").append(a);
            }
        }
        if (e.getThrowableProxy() != null) {
            b.append('\n').append(ThrowableProxyUtil.asString(e.getThrowableProxy()));
        }
        e.getMDCPropertyMap().forEach((k, v) -> b.append(" mdc:").append(k).append('=').append(v));
        return b.toString();
    }
}
