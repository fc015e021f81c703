package io.reactivewspool.security;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.AdminHttpApi;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.server.netty.WsServerOptions;
import io.reactivewspool.test.AdminHttp;
import io.reactivewspool.test.HubFixture;
import io.reactivewspool.test.LiveHeap;
import io.reactivewspool.test.RawSocketClient;
import io.reactivewspool.test.ReactorNettyTestClient;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a client without credentials can make the server hold, on both engines: an admin request
 * with bad credentials is answered before its body is read; a connection that never completes its
 * request is closed after the request timeout, so a thousand of them sending their headers a byte a
 * second neither keep their sockets nor stop new clients; an authenticator that never answers is
 * cut off by the authentication timeout with a 503.
 */
class UnauthenticatedClientsIT {

    private static final String ADMIN = "ADMIN-SECRET";
    private static final int READ_TIMEOUT_MS = 10_000;

    // ---------------------------------------------------------------- admin body before credentials

    @ParameterizedTest
    @EnumSource(WsServerOptions.Engine.class)
    void anAdminRequestWithBadCredentialsIsRefusedBeforeItsBodyIsReadAndClosed(WsServerOptions.Engine engine) {
        try (HubFixture f = HubFixture.start(WsHubOptions.defaults(), ADMIN, engine)) {
            assertRefusedBeforeTheBody(f, "", 401);
            assertRefusedBeforeTheBody(f, "Authorization: Bearer wrong\r\n", 403);
            // The body is still read for an administrator.
            assertThat(AdminHttp.post(f.adminUrl() + "/broadcast", ADMIN, "{\"topic\":\"t\",\"message_type\":\"x\"}").status())
                    .isEqualTo(200);
        }
    }

    /** Declares a 1 MiB body, sends 16 KiB of it and waits: the answer must come without the rest. */
    private static void assertRefusedBeforeTheBody(HubFixture f, String credentials, int status) {
        String head = "POST " + AdminHttpApi.BASE_PATH + "/broadcast HTTP/1.1\r\nHost: h\r\n" + credentials
                + "Content-Type: application/json\r\nContent-Length: " + AdminHttpApi.MAX_BODY_BYTES + "\r\n\r\n";
        byte[] part = ("{\"topic\":\"t\",\"message_type\":\"x\",\"data\":\"" + "z".repeat(16 * 1024)).getBytes(StandardCharsets.US_ASCII);
        URI u = URI.create(f.wsUrl());
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(u.getHost(), u.getPort()), 5000);
            s.setSoTimeout(READ_TIMEOUT_MS);
            s.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().write(part);
            s.getOutputStream().flush();
            Answer a = readUntilClosed(s.getInputStream());
            assertThat(a.text()).as("the answer to an admin request with credentials '%s' while %d of its %d body bytes "
                    + "are unsent", credentials.strip(), AdminHttpApi.MAX_BODY_BYTES - part.length, AdminHttpApi.MAX_BODY_BYTES)
                    .startsWith("HTTP/1.1 " + status + " ");
            assertThat(a.closed()).as("connection closed after the refusal").isTrue();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private record Answer(String text, boolean closed) {
    }

    /** Everything the server sends until it closes the connection, or until the read timeout. */
    private static Answer readUntilClosed(InputStream in) {
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        boolean closed;
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                answer.write(buf, 0, n);
            }
            closed = true;
        } catch (SocketTimeoutException e) {
            closed = false;
        } catch (IOException reset) {
            closed = true;
        }
        return new Answer(answer.toString(StandardCharsets.ISO_8859_1), closed);
    }

    // ---------------------------------------------------------------- authenticator timeout

    @ParameterizedTest
    @EnumSource(WsServerOptions.Engine.class)
    void anAuthenticatorThatNeverAnswersIsCutOffWith503AndTheTokenIsNotLogged(WsServerOptions.Engine engine) {
        String token = "SeCrEt-hung-" + Long.toHexString(System.nanoTime());
        Logger hubLog = (Logger) LoggerFactory.getLogger("io.reactivewspool");
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.start();
        hubLog.addAppender(captured);
        WsHubOptions hub = WsHubOptions.builder()
                .authenticator((t, handshake) -> Mono.never())
                .authenticationTimeout(Duration.ofMillis(300))
                .build();
        try (HubFixture f = HubFixture.start(hub, HubFixture.serverOptions(engine).build())) {
            for (int i = 0; i < 3; i++) {
                ReactorNettyTestClient refused = ReactorNettyTestClient.start(f.wsUrl() + "?token=" + token, Map.of());
                assertThat(refused.handshakeStatus()).as("upgrade while the authenticator hangs").isEqualTo(503);
            }
            assertThat(f.hub().admin().stats().rejectedConnections()).isEqualTo(3);
        } finally {
            hubLog.detachAppender(captured);
        }
        List<String> lines = captured.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        assertThat(lines).anyMatch(l -> l.startsWith("authenticator timed out") && l.contains("timeout_ms=300"));
        assertThat(lines).noneMatch(l -> l.contains(token));
    }

    // ---------------------------------------------------------------- request timeout

    private static final int SLOW_CLIENTS = 1_000;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);
    /** The most the slow clients run: far beyond the request timeout, far short of their header's length. */
    private static final Duration SLOW_CLIENTS_BOUND = REQUEST_TIMEOUT.plusSeconds(25);

    @ParameterizedTest
    @EnumSource(WsServerOptions.Engine.class)
    void aThousandClientsSendingHeadersAByteASecondAreClosedAfterTheRequestTimeoutWhileNewClientsAreServed(
            WsServerOptions.Engine engine) throws IOException {
        try (HubFixture f = HubFixture.start(WsHubOptions.defaults(), HubFixture.serverOptions(engine).adminToken(ADMIN)
                .requestTimeout(REQUEST_TIMEOUT).build())) {
            long filesBefore = openFiles();
            long heapBefore = LiveHeap.bytes();
            // An upgrade request whose headers take minutes at a byte a second.
            byte[] head = ("GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nX-Pad: " + "p".repeat(400)
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            URI u = URI.create(f.wsUrl());
            InetSocketAddress server = new InetSocketAddress(u.getHost(), u.getPort());
            List<SocketChannel> slow = new ArrayList<>(SLOW_CLIENTS);
            try (Selector selector = Selector.open()) {
                for (int i = 0; i < SLOW_CLIENTS; i++) {
                    SocketChannel c = SocketChannel.open(server);
                    c.configureBlocking(false);
                    c.register(selector, SelectionKey.OP_READ, new int[1]);
                    slow.add(c);
                }
                long filesWhileOpen = openFiles();
                long start = System.nanoTime();
                int open = SLOW_CLIENTS;
                int maxSent = 0;
                boolean servedMeanwhile = false;
                long nextByte = start;
                ByteBuffer sink = ByteBuffer.allocate(1024);
                while (open > 0 && System.nanoTime() - start < SLOW_CLIENTS_BOUND.toNanos()) {
                    if (System.nanoTime() - nextByte >= 0) {
                        nextByte += 1_000_000_000L;
                        for (SelectionKey k : selector.keys()) {
                            int[] sent = (int[]) k.attachment();
                            if (k.isValid() && sent[0] < head.length
                                    && write((SocketChannel) k.channel(), head[sent[0]])) {
                                sent[0]++;
                                maxSent = Math.max(maxSent, sent[0]);
                            }
                        }
                    }
                    if (!servedMeanwhile) {
                        // While the slow clients hold their sockets: a WebSocket client and an admin call are served.
                        try (RawSocketClient fresh = RawSocketClient.connect(f.wsUrl())) {
                            assertThat(fresh.readMessage().type()).isEqualTo(WsMessage.WELCOME);
                        }
                        assertThat(AdminHttp.get(f.adminUrl() + "/stats", ADMIN).status()).isEqualTo(200);
                        servedMeanwhile = true;
                    }
                    selector.select(100);
                    for (SelectionKey k : selector.selectedKeys()) {
                        if (closedByServer((SocketChannel) k.channel(), sink)) {
                            k.cancel();
                            k.channel().close();
                            open--;
                        }
                    }
                    selector.selectedKeys().clear();
                }
                // A channel closed while registered keeps its file until the selector deregisters it.
                selector.selectNow();
                long filesAfter = openFiles();
                long heapAfter = LiveHeap.bytes();
                System.out.printf("UnauthenticatedClientsIT engine=%s slow_clients=%d closed_by_server=%d after_ms=%d "
                                + "header_bytes_sent_max=%d/%d open_files_before=%d while_open=%d after=%d live_heap_before_mib=%s after_mib=%s%n",
                        engine, SLOW_CLIENTS, SLOW_CLIENTS - open, (System.nanoTime() - start) / 1_000_000, maxSent,
                        head.length, filesBefore, filesWhileOpen, filesAfter, LiveHeap.mib(heapBefore), LiveHeap.mib(heapAfter));
                assertThat(open).as("slow clients the server still holds after %s (request timeout %s)",
                        SLOW_CLIENTS_BOUND, REQUEST_TIMEOUT).isZero();
                assertThat(maxSent).as("header bytes sent by the slowest-closed client").isLessThan(head.length);
                // Both ends of every slow socket are closed: the server holds none of them (the slack: this
                // selector, the admin call's pooled HTTP connection, files the JVM opened meanwhile).
                assertThat(filesAfter).as("open files of the JVM after the slow clients (%d while they were open)", filesWhileOpen)
                        .isLessThanOrEqualTo(filesBefore + 20);
                assertThat(heapAfter - heapBefore).as("live heap growth in bytes").isLessThan(16 * LiveHeap.MIB);
            } finally {
                for (SocketChannel c : slow) {
                    c.close();
                }
            }
        }
    }

    /** Writes one byte; {@code false} when the server has closed the socket. */
    private static boolean write(SocketChannel c, byte b) {
        try {
            return c.write(ByteBuffer.wrap(new byte[] {b})) == 1;
        } catch (IOException closed) {
            return false;
        }
    }

    /** Whether the server ended the stream (FIN or reset); what it sent before is dropped. */
    private static boolean closedByServer(SocketChannel c, ByteBuffer sink) {
        try {
            int n;
            do {
                sink.clear();
                n = c.read(sink);
            } while (n > 0);
            return n < 0;
        } catch (IOException reset) {
            return true;
        }
    }

    private static long openFiles() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}
