package io.reactivewspool.reliability;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.reactivewspool.WsClosedException;
import io.reactivewspool.WsRequestTimeoutException;
import io.reactivewspool.client.WsClientOptions;
import io.reactivewspool.client.WsClientPool;
import io.reactivewspool.client.WsClientPoolOptions;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.ConnectionInfo;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.test.HubFixture;
import io.reactivewspool.test.ReactorNettyTestClient;
import io.reactivewspool.testsupport.TcpFaultProxy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Connections whose network path dies without a FIN or RST (a NAT drops its state, a cable is
 * pulled): a {@link TcpFaultProxy} between the peers stops forwarding in both directions and
 * keeps every socket open. Neither end gets a close or an error from the network; the hub's
 * heartbeat and the pool's health check must find out by themselves.
 */
class HalfOpenIT {

    private static final Duration HEARTBEAT = Duration.ofMillis(500);
    /** Short for the test, long enough that a live connection on a loaded machine is not taken for dead. */
    private static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(3);
    /** The hub notices at the first heartbeat tick after the timeout; slack for a busy machine. */
    private static final Duration SERVER_DETECTS = CONNECTION_TIMEOUT.plus(HEARTBEAT.multipliedBy(2)).plusSeconds(2);
    private static final Duration HEALTH_CHECK_PERIOD = Duration.ofMillis(500);
    /**
     * Generous for loopback: on a loaded 2-core machine a pong queued behind request traffic was
     * measured at 1.3 s through the proxy, and a live connection must not look dead.
     */
    private static final Duration HEALTH_CHECK_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration CLIENT_CLOSE_TIMEOUT = Duration.ofMillis(500);
    /** For the request sent into a dead path (the pool's default, which also bounds draining, stays longer). */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration WAIT = Duration.ofSeconds(15);

    private HubFixture hub;
    private TcpFaultProxy proxy;
    private WsClientPool pool;
    private final List<ReactorNettyTestClient> clients = new ArrayList<>();
    private final ListAppender<ILoggingEvent> hubLog = new ListAppender<>();
    private Logger hubLogger;
    private Level hubLogLevel;

    @BeforeEach
    void start() {
        hubLogger = (Logger) LoggerFactory.getLogger(WsHub.class);
        hubLogLevel = hubLogger.getLevel();
        hubLog.start();
        hubLogger.addAppender(hubLog);
        hubLogger.setAdditive(false);
        hubLogger.setLevel(Level.DEBUG);
        hub = HubFixture.start(WsHubOptions.builder()
                .heartbeatInterval(HEARTBEAT)
                .connectionTimeout(CONNECTION_TIMEOUT)
                .cleanupInterval(HEARTBEAT)
                .closeDrainPeriod(Duration.ZERO)
                .handler("echo", ctx -> Mono.just(WsMessage.of("echo", null, ctx.message().data())))
                .build());
        proxy = TcpFaultProxy.to(hub.server().port());
    }

    @AfterEach
    void stop() {
        clients.forEach(ReactorNettyTestClient::close);
        if (pool != null) {
            pool.disposeLater().block(WAIT);
        }
        hub.close();
        proxy.close();
        hubLogger.detachAppender(hubLog);
        hubLogger.setAdditive(true);
        hubLogger.setLevel(hubLogLevel);
    }

    private String proxiedUrl() {
        return "ws://127.0.0.1:" + proxy.port() + "/ws";
    }

    private Set<String> hubConnectionIds() {
        return hub.hub().admin().connections(null, null).stream().map(ConnectionInfo::connectionId).collect(Collectors.toSet());
    }

    /** The close codes the hub logged for a connection ("connection closed conn=ID ... code=N"). */
    private List<String> closeCodesLogged(String connectionId) {
        return hubLog.list.stream().map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.startsWith("connection closed conn=" + connectionId + " "))
                .map(m -> m.replaceAll(".* code=(\\S+) .*", "$1"))
                .toList();
    }

    @Test
    void serverHeartbeatClosesAHalfOpenConnectionWith4000WithinTheConnectionTimeoutAndReleasesTheSocket() {
        ReactorNettyTestClient client = ReactorNettyTestClient.connect(proxiedUrl());
        clients.add(client);
        String id = client.welcome().data().get("connection_id").asString();
        client.send(WsMessage.ping().withId("p1"));
        assertThat(client.next("pong").id()).isEqualTo("p1");
        assertThat(hubConnectionIds()).containsExactly(id);

        assertThat(proxy.freeze()).isEqualTo(1);

        await().atMost(SERVER_DETECTS).until(() -> hub.hub().admin().stats().heartbeatTimeouts() == 1);
        await().atMost(WAIT).until(() -> hub.hub().admin().stats().activeConnections() == 0);
        await().atMost(WAIT).until(() -> !closeCodesLogged(id).isEmpty());
        assertThat(closeCodesLogged(id)).containsExactly("4000");
        // The peer never answers the close frame; the hub drops the socket after its close grace anyway.
        await().atMost(WAIT).until(() -> proxy.targetSocketsClosed() == 1);
        // Nothing of this reached the client: from its side the connection still looks open.
        assertThat(client.isClosed()).isFalse();
        assertThat(client.received()).noneMatch(m -> m.is("error"));
    }

    @Test
    void poolHealthCheckReplacesHalfOpenConnectionsThroughAFreshPathAndRequestsSucceedAgain() {
        pool = WsClientPool.create(WsClientPoolOptions.builder(WsClientOptions.builder(proxiedUrl())
                        .requestTimeout(WAIT).closeTimeout(CLIENT_CLOSE_TIMEOUT).build())
                .name("half-open")
                .minConnections(2).maxConnections(4)
                .healthCheckPeriod(HEALTH_CHECK_PERIOD).healthCheckTimeout(HEALTH_CHECK_TIMEOUT)
                .acquireTimeout(Duration.ofSeconds(2))
                // Requests that find no healthy connection while the dead ones are replaced may open
                // one above the minimum; it closes once idle this long.
                .maxIdleTime(Duration.ofSeconds(1))
                .connectBackoffFirst(Duration.ofMillis(50)).connectBackoffMax(Duration.ofMillis(300))
                .build());
        await().atMost(WAIT).until(() -> pool.metrics().allocated() == 2 && hub.hub().admin().stats().activeConnections() == 2);
        assertThat(pool.request(WsMessage.of("echo", null, Map.of("n", 0))).block(WAIT).data().get("n").asInt()).isZero();
        Set<String> dead = hubConnectionIds();
        assertThat(dead).hasSize(2);

        assertThat(proxy.freeze()).isEqualTo(2);

        // A request sent into a dead path ends with a clear error (or is served by a fresh connection), never hangs.
        Object outcome = pool.request(WsMessage.of("echo", null, Map.of("n", 1)), REQUEST_TIMEOUT)
                .map(Object.class::cast)
                .onErrorResume(e -> Mono.just(e))
                .block(REQUEST_TIMEOUT.plus(WAIT));
        if (outcome instanceof Throwable e) {
            assertThat(e).isInstanceOfAny(WsRequestTimeoutException.class, WsClosedException.class)
                    .hasMessageContaining("'half-open'");
        } else {
            assertThat(((WsMessage) outcome).data().get("n").asInt()).isEqualTo(1);
        }

        // Health check: no pong within its timeout, so each dead connection is destroyed and replaced
        // through a new path; the client lets go of the frozen sockets (close frame unanswered, socket dropped).
        await().atMost(WAIT).until(() -> pool.metrics().destroyed() >= 2 && pool.metrics().allocated() == 2
                && proxy.acceptedConnections() >= 4 && proxy.openLinks() == 2);
        // The hub, hearing nothing on the dead paths, times them out with 4000: it holds only the new ones.
        await().atMost(SERVER_DETECTS.plus(WAIT)).until(() -> {
            Set<String> now = hubConnectionIds();
            return now.size() == 2 && now.stream().noneMatch(dead::contains);
        });
        for (String id : dead) {
            assertThat(closeCodesLogged(id)).containsExactly("4000");
        }
        List<WsMessage> replies = Flux.range(0, 50)
                .flatMap(i -> pool.request(WsMessage.of("echo", null, Map.of("n", i))), 4)
                .collectList().block(WAIT);
        assertThat(replies).hasSize(50).allMatch(r -> r.is("echo"));
        await().atMost(WAIT).until(() -> pool.metrics().allocated() == 2 && hub.hub().admin().stats().activeConnections() == 2);
    }
}
