package io.reactivewspool.server.netty;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.netty.handler.codec.http.QueryStringDecoder;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.Authenticator;
import io.reactivewspool.server.HandshakeInfo;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.test.HubFixture;
import io.reactivewspool.test.RawSocketClient;
import io.reactivewspool.test.RawSocketClient.Frame;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hub's close frame is the last frame of a connection. A browser that answered the close fails
 * the connection on any frame after it and reports 1006 with no reason instead of the hub's code and
 * reason (Chromium: "Ping received after close"), so an administrator's "maintenance" reached the
 * page as an abnormal closure. Here heartbeat pings every 10 ms, heartbeat messages and broadcasts
 * from two threads race the hub's closes; each client reads its raw frames to the end of the stream.
 */
class CloseIsTheLastFrameIT {

    private static final int CLIENTS = 24;
    private static final int ROUNDS = 8;
    private static final int OP_CLOSE = 0x8;

    /** What one client saw: the close frame's code and reason, and the opcodes of any frames after it. */
    private record Seen(String user, int code, String reason, List<Integer> after) {
    }

    /** Where the connections are carried: each engine, and an application's route that keeps them on Reactor Netty. */
    enum Carrier {
        PLAIN_ENGINE, REACTOR_NETTY_ENGINE, REACTOR_NETTY_ROUTE
    }

    /** A hub served on loopback; closing it stops the server and the hub. */
    private record Served(WsHub hub, String wsUrl, AutoCloseable stop) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            stop.close();
        }
    }

    private static Served serve(Carrier carrier, WsHubOptions options) {
        if (carrier != Carrier.REACTOR_NETTY_ROUTE) {
            HubFixture f = HubFixture.start(options, null,
                    carrier == Carrier.PLAIN_ENGINE ? WsServerOptions.Engine.NETTY : WsServerOptions.Engine.REACTOR_NETTY);
            return new Served(f.hub(), f.wsUrl(), f::close);
        }
        WsHub hub = WsHub.create(options);
        DisposableServer server = HttpServer.create().host("127.0.0.1").port(0)
                .route(r -> r.get("/ws", (req, res) -> {
                    Map<String, List<String>> query = new QueryStringDecoder(req.uri()).parameters();
                    HandshakeInfo hs = new HandshakeInfo("/ws", Map.of(), query, req.remoteAddress(), null);
                    return hub.admit(hs).flatMap(admission -> res.sendWebsocket((in, out) -> hub.serve(
                            ReactorNettyTransport.of(hs, in, out, 64 * 1024), admission)));
                }))
                .bindNow();
        return new Served(hub, "ws://127.0.0.1:" + server.port() + "/ws", () -> {
            hub.close().block(Duration.ofSeconds(30));
            server.disposeNow(Duration.ofSeconds(30));
        });
    }

    @ParameterizedTest
    @EnumSource(Carrier.class)
    void noFrameFollowsTheHubsCloseFrameWhilePingsAndBroadcastsRaceTheClose(Carrier carrier) throws Exception {
        Map<String, String> tokens = IntStream.range(0, CLIENTS).boxed()
                .collect(Collectors.toMap(i -> "tok-" + i, i -> "u" + i));
        WsHubOptions options = WsHubOptions.builder()
                .authenticator(Authenticator.tokens(tokens))
                .heartbeatInterval(Duration.ofMillis(10))
                .heartbeatMessages(true)
                .closeDrainPeriod(Duration.ZERO)
                .build();
        ExecutorService readers = Executors.newFixedThreadPool(CLIENTS);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicBoolean publishing = new AtomicBoolean();
        List<Thread> publishers = new ArrayList<>();
        ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();
        try (Served f = serve(carrier, options)) {
            for (int p = 0; p < 2; p++) {
                int publisher = p;
                Thread t = new Thread(() -> {
                    for (long n = 0; running.get(); n++) {
                        if (publishing.get()) {
                            f.hub().broadcast("t", "tick", publisher + ":" + n);
                        }
                        LockSupport.parkNanos(300_000);
                    }
                }, "publisher-" + p);
                t.start();
                publishers.add(t);
            }
            for (int round = 0; round < ROUNDS; round++) {
                List<RawSocketClient> clients = RawSocketClient.connectMany(CLIENTS, i -> f.wsUrl() + "?token=tok-" + i);
                List<Future<?>> reading = new ArrayList<>();
                for (int i = 0; i < CLIENTS; i++) {
                    RawSocketClient c = clients.get(i);
                    String user = "u" + i;
                    c.sendText(WsMessage.subscribe("t"));
                    while (!c.readFrame().text().contains("\"type\":\"subscribed\"")) {
                        // the welcome, pings, heartbeats
                    }
                    reading.add(readers.submit(() -> seen.add(readToTheEnd(user, c))));
                }
                // Broadcasts in flight at the closes, not while the clients subscribe (a cold JVM needs seconds for that).
                publishing.set(true);
                Thread.sleep(50);
                for (int i = 0; i < CLIENTS; i++) {
                    f.hub().admin().disconnectUser("u" + i, "maintenance").subscribe();
                }
                for (Future<?> r : reading) {
                    r.get(30, TimeUnit.SECONDS);
                }
                publishing.set(false);
                clients.forEach(RawSocketClient::close);
            }
        } finally {
            running.set(false);
            for (Thread t : publishers) {
                t.join(10_000);
            }
            readers.shutdownNow();
        }

        assertThat(seen).hasSize(CLIENTS * ROUNDS);
        assertThat(seen).allSatisfy(s -> {
            assertThat(s.after()).as("opcodes of the frames %s received after the close frame", s.user()).isEmpty();
            assertThat(s.code()).as("close code %s received", s.user()).isEqualTo(1000);
            assertThat(s.reason()).isEqualTo("maintenance");
        });
    }

    /** Reads to the close frame, answers it as a browser does, and reads on until the server ends the stream. */
    private static Seen readToTheEnd(String user, RawSocketClient c) {
        Frame close;
        do {
            close = c.readFrameOrEnd();
        } while (close != null && close.opcode() != OP_CLOSE);
        if (close == null) {
            return new Seen(user, 1006, "", List.of());
        }
        // A server that closes the TCP connection with its close frame may be gone already.
        c.trySendRaw(RawSocketClient.encodeFrame(0x80 | OP_CLOSE, close.payload(), true));
        List<Integer> after = new ArrayList<>();
        for (Frame next = c.readFrameOrEnd(); next != null; next = c.readFrameOrEnd()) {
            after.add(next.opcode());
        }
        return new Seen(user, RawSocketClient.closeCode(close), RawSocketClient.closeReason(close), after);
    }
}
