package io.reactivewspool.test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

import io.lettuce.core.RedisCommandTimeoutException;
import io.reactivewspool.broker.redis.RedisBroker;
import io.reactivewspool.broker.redis.RedisBrokerOptions;
import io.reactivewspool.history.HistoryOptions;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.Authenticator;
import io.reactivewspool.server.TopicPolicy;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.testsupport.RedisServerProcess;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import reactor.util.retry.Retry;

/**
 * Hubs on loopback sharing one real redis-server through their own {@link RedisBroker} (node ids
 * as given, {@link #COMMAND_TIMEOUT}), with the users of {@link #TOKENS}, publishing allowed on every
 * topic and no close drain. {@link #close()} closes the clients it opened, then the hubs (each
 * hub closes its broker); the redis-server is the caller's.
 *
 * <p>Or, registered as a JUnit extension, hubs on a redis-server of their own per test: the
 * server starts (and is warmed up) and the hubs start on it before each test; after it the hubs
 * close, then the server.
 * <pre>{@code
 * @RegisterExtension
 * final RedisHubs hubs = RedisHubs.perTest(List.of("node-a", "node-b"), null, (broker, b) -> b);
 * ...
 * hubs.redis().kill();
 * }</pre>
 */
public final class RedisHubs implements AutoCloseable, BeforeEachCallback, AfterEachCallback {

    /** Connection tokens and their users. */
    public static final Map<String, String> TOKENS = Map.of("tok-alice", "alice", "tok-bob", "bob");
    private static final Duration T = Duration.ofSeconds(10);
    /**
     * The brokers' command timeout. A command on a loaded two-core machine can wait well over a
     * second (a 1 s timeout failed appends and first connections there), and outages do not need a
     * short one: a broker on one server rejects commands at once while disconnected, and a killed
     * server's sockets close at once.
     */
    public static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(5);
    /**
     * Connect attempts per broker. Only a connect that timed out is tried again (the first
     * connection of a cold JVM), and each retry is printed; a refused connection fails at once.
     */
    private static final int CONNECT_ATTEMPTS = 3;

    private final List<RedisBroker> brokers = new ArrayList<>();
    private final List<HubFixture> nodes = new ArrayList<>();
    private final List<ReactorNettyTestClient> clients = new ArrayList<>();
    /** Per test only: the hubs {@link #beforeEach} starts, and the server it starts them on. */
    private final List<String> perTestNodeIds;
    private final String perTestAdminToken;
    private final BiFunction<RedisBroker, WsHubOptions.Builder, WsHubOptions.Builder> perTestCustomize;
    private RedisServerProcess redis;

    private RedisHubs(List<String> nodeIds, String adminToken,
                      BiFunction<RedisBroker, WsHubOptions.Builder, WsHubOptions.Builder> customize) {
        this.perTestNodeIds = nodeIds;
        this.perTestAdminToken = adminToken;
        this.perTestCustomize = customize;
    }

    /** Hubs on a redis-server of their own, started before each test; register as an extension (see the class). */
    public static RedisHubs perTest(List<String> nodeIds, String adminToken,
                                    BiFunction<RedisBroker, WsHubOptions.Builder, WsHubOptions.Builder> customize) {
        return new RedisHubs(List.copyOf(nodeIds), adminToken, customize);
    }

    /** The same with the Redis stream history, {@code historySize} messages per topic. */
    public static RedisHubs perTestWithHistory(int historySize, String... nodeIds) {
        return perTest(List.of(nodeIds), null, history(historySize));
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        redis = RedisServerProcess.start();
        warmUp(redis);
        startNodes(redis.uri(), COMMAND_TIMEOUT, perTestNodeIds, perTestAdminToken, perTestCustomize);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        try {
            close();
        } finally {
            redis.close();
        }
    }

    /** The redis-server of hubs {@link #perTest started per test}. */
    public RedisServerProcess redis() {
        if (redis == null) {
            throw new IllegalStateException("only hubs started per test own a redis-server");
        }
        return redis;
    }

    /** One hub per node id; {@code customize} adds options to each (it gets that hub's broker). */
    public static RedisHubs start(RedisServerProcess redis, List<String> nodeIds,
                                  BiFunction<RedisBroker, WsHubOptions.Builder, WsHubOptions.Builder> customize) {
        return start(redis, nodeIds, null, customize);
    }

    /** The same, with the admin API open to {@code adminToken} (a bearer token; {@code null}: closed). */
    public static RedisHubs start(RedisServerProcess redis, List<String> nodeIds, String adminToken,
                                  BiFunction<RedisBroker, WsHubOptions.Builder, WsHubOptions.Builder> customize) {
        return start(redis.uri(), nodeIds, adminToken, customize);
    }

    /** The same on any broker URI ({@code redis-sentinel://…} included). */
    public static RedisHubs start(String uri, List<String> nodeIds, String adminToken,
                                  BiFunction<RedisBroker, WsHubOptions.Builder, WsHubOptions.Builder> customize) {
        return start(uri, COMMAND_TIMEOUT, nodeIds, adminToken, customize);
    }

    /** The same with another command timeout than {@link #COMMAND_TIMEOUT}. */
    public static RedisHubs start(String uri, Duration commandTimeout, List<String> nodeIds, String adminToken,
                                  BiFunction<RedisBroker, WsHubOptions.Builder, WsHubOptions.Builder> customize) {
        RedisHubs hubs = new RedisHubs(null, null, null);
        hubs.startNodes(uri, commandTimeout, nodeIds, adminToken, customize);
        return hubs;
    }

    private void startNodes(String uri, Duration commandTimeout, List<String> nodeIds, String adminToken,
                            BiFunction<RedisBroker, WsHubOptions.Builder, WsHubOptions.Builder> customize) {
        for (String name : nodeIds) {
            RedisBroker broker = RedisBroker.connect(RedisBrokerOptions.builder(uri).nodeId(name)
                            .commandTimeout(commandTimeout).build())
                    .retryWhen(Retry.max(CONNECT_ATTEMPTS - 1).filter(RedisHubs::timedOut)
                            .doBeforeRetry(r -> System.out.println("RedisHubs: connect of " + name + " timed out, trying again: "
                                    + r.failure())))
                    .block(commandTimeout.plus(T).multipliedBy(CONNECT_ATTEMPTS));
            brokers.add(broker);
            nodes.add(HubFixture.start(customize.apply(broker, WsHubOptions.builder()
                    .broker(broker)
                    .authenticator(Authenticator.tokens(TOKENS))
                    .topicPolicy(TopicPolicy.publishTo(List.of("*")))
                    .closeDrainPeriod(Duration.ZERO)).build(), adminToken));
        }
    }

    /**
     * Opens and closes one connection to {@code redis} with a generous timeout: a first connection in
     * a cold JVM on a loaded machine can take longer than the hubs' command timeout.
     */
    public static void warmUp(RedisServerProcess redis) {
        RedisBroker.connect(RedisBrokerOptions.builder(redis.uri()).nodeId("warm-up").commandTimeout(Duration.ofSeconds(20))
                .build()).flatMap(RedisBroker::close).block(Duration.ofSeconds(30));
    }

    private static boolean timedOut(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof RedisCommandTimeoutException) {
                return true;
            }
        }
        return false;
    }

    /** Hubs with the Redis stream history, {@code historySize} messages per topic. */
    public static RedisHubs withHistory(RedisServerProcess redis, int historySize, String... nodeIds) {
        return start(redis, List.of(nodeIds), history(historySize));
    }

    private static BiFunction<RedisBroker, WsHubOptions.Builder, WsHubOptions.Builder> history(int historySize) {
        return (broker, b) -> b.history(broker.history(HistoryOptions.builder().size(historySize).build(), WsCodec.json()));
    }

    public HubFixture node(int i) {
        return nodes.get(i);
    }

    public RedisBroker broker(int i) {
        return brokers.get(i);
    }

    /** A client of node {@code node} with a token of {@link #TOKENS}, its welcome taken. */
    public ReactorNettyTestClient client(int node, String token) {
        ReactorNettyTestClient c = ReactorNettyTestClient.connect(node(node).wsUrl() + "?token=" + token);
        clients.add(c);
        c.welcome();
        return c;
    }

    /** Alice on node {@code node}, subscribed to {@code topic} (its {@code subscribed} taken). */
    public ReactorNettyTestClient subscriber(int node, String topic) {
        return subscriber(node, "tok-alice", topic);
    }

    /** The user of {@code token} on node {@code node}, subscribed to {@code topic} (its {@code subscribed} taken). */
    public ReactorNettyTestClient subscriber(int node, String token, String topic) {
        ReactorNettyTestClient c = client(node, token);
        c.send(WsMessage.subscribe(topic).withId("s"));
        WsMessage reply = c.next("subscribed");
        if (!"s".equals(reply.id())) {
            throw new AssertionError("subscribed reply with id " + reply.id() + ", expected s");
        }
        return c;
    }

    @Override
    public void close() {
        clients.forEach(ReactorNettyTestClient::close);
        nodes.forEach(HubFixture::close);
    }
}
