package io.reactivewspool.samples.standalone;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.concurrent.CountDownLatch;

import io.reactivewspool.server.AdminAuthenticator;
import io.reactivewspool.server.AdminHttpApi;
import io.reactivewspool.server.Authenticator;
import io.reactivewspool.server.TopicPolicy;
import io.reactivewspool.broker.redis.RedisBroker;
import io.reactivewspool.broker.redis.RedisBrokerOptions;
import io.reactivewspool.history.HistoryOptions;
import io.reactivewspool.history.TopicHistory;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.server.netty.WsServer;
import io.reactivewspool.server.netty.WsServerOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A WebSocket hub server without Spring: {@code WSPOOL_ADMIN_TOKEN=SECRET java -jar standalone-server.jar
 * --port=8080 --publish-topics='pub.*' --token-file=/run/secrets/tokens}. Settings come from flags,
 * {@code WSPOOL_*} environment variables and an optional properties file; see {@code --help}.
 * SIGTERM closes every connection with 1001, then exits.
 */
public final class StandaloneServer {

    private static final Logger log = LoggerFactory.getLogger(StandaloneServer.class);

    private StandaloneServer() {
    }

    public static void main(String[] args) throws InterruptedException {
        ServerConfig config;
        try {
            config = ServerConfig.load(args, System.getenv());
        } catch (ServerConfig.BadFlag e) {
            System.err.println("error: " + e.getMessage());
            System.err.println();
            System.err.print(ServerConfig.USAGE);
            System.exit(2);
            return;
        }
        if (config.help()) {
            System.out.print(ServerConfig.USAGE);
            return;
        }
        config.warnings().forEach(w -> log.warn("configuration: {}", w));
        WsServer server;
        try {
            server = start(config);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        log.info("standalone server listening url={} admin_api=http://localhost:{}{} config={}", server.url(),
                server.port(), AdminHttpApi.BASE_PATH, config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("shutdown requested: closing connections with 1001");
            server.close().block(Duration.ofSeconds(60));
            stopped.countDown();
        }, "standalone-shutdown"));
        stopped.await();
    }

    /** The hub and its server, as in docs/SERVER.md. */
    static WsServer start(ServerConfig c) {
        WsHubOptions.Builder options = WsHubOptions.builder();
        if (c.redisUri() != null) {
            // Startup, on the main thread: waiting for Redis here is intended.
            RedisBroker broker = RedisBroker.connect(RedisBrokerOptions.builder(c.redisUri()).build()).block(Duration.ofSeconds(30));
            options.broker(broker);
            if (c.historySize() > 0) {
                options.history(broker.history(HistoryOptions.builder().size(c.historySize()).build(), WsCodec.json()));
            }
        } else if (c.historySize() > 0) {
            options.history(TopicHistory.inMemory(HistoryOptions.builder().size(c.historySize()).build()));
        }
        WsHub hub = WsHub.create(options
                .authenticator(c.userByToken().isEmpty() ? null : Authenticator.tokens(c.userByToken()))
                .topicPolicy(TopicPolicy.publishTo(c.publishTopics()))
                .maxConnections(c.maxConnections())
                .maxConnectionsPerUser(c.maxPerUser())
                .allowedOrigins(new LinkedHashSet<>(c.allowedOrigins()))
                .presenceTopics(c.presenceTopics())
                .presenceEvents(c.presenceEvents())
                .maxConnectionsPerTopic(c.maxPerTopic())
                .maxFrameBytes(c.maxFrameBytes())
                .rateLimitPerSecond(c.rateLimit())
                .heartbeatInterval(c.heartbeat())
                .connectionTimeout(c.connectionTimeout())
                .outboundQueueSize(c.queueSize())
                .overflowPolicy(c.overflow())
                .closeDrainPeriod(Duration.ofMillis(c.drainMs()))
                .build());
        WsServerOptions.Builder server = WsServerOptions.builder();
        if (c.tls() != null) {
            server.tls(c.tls().certificate(), c.tls().privateKey(), c.tls().keyPassword());
        }
        return WsServer.create(hub, server
                .host(c.host())
                .compression(c.compression())
                .dashboard(c.dashboard())
                .port(c.port())
                .path(c.path())
                .ioThreads(c.ioThreads())
                .engine(c.engine())
                .adminAuthenticator(c.adminToken() == null ? null : AdminAuthenticator.bearer(c.adminToken()))
                .build())
                .bindNow();
    }
}
