package io.reactivewspool.samples.standalone;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.reactivewspool.broker.redis.RedisBrokerOptions;
import io.reactivewspool.server.LimitSpec;
import io.reactivewspool.server.OverflowPolicy;
import io.reactivewspool.server.netty.WsServerOptions;

/**
 * The standalone server's command line, parsed and checked. Every problem names the flag.
 *
 * @param host              bind address
 * @param port              port, 0 for an ephemeral one
 * @param path              WebSocket path
 * @param publishTopics     glob patterns clients may publish to
 * @param adminToken        admin API bearer token, or {@code null} (admin API answers 403)
 * @param userByToken       connection tokens (token to user id); empty: anonymous connections
 * @param maxFrameBytes     largest client frame
 * @param maxConnections    connection limit
 * @param maxPerTopic       subscribers per topic limit
 * @param rateLimit         messages per second per connection, 0 = off
 * @param heartbeatMs       heartbeat interval
 * @param connectionTimeoutMs idle timeout
 * @param queueSize         outbound queue per connection
 * @param overflow          overflow policy
 * @param drainMs           graceful-close drain period
 * @param redisUri          {@code redis://HOST:PORT} of the Redis broker, or {@code null} (one instance)
 * @param historySize       messages of history per topic for recovery, 0 = off
 * @param ioThreads         event loops of the server, 0 = Reactor Netty's shared ones
 * @param engine            what carries the connections: Reactor Netty's HttpServer or plain Netty
 * @param help              print usage and exit
 */
record ServerConfig(String host, int port, String path, List<String> publishTopics, String adminToken,
                    Map<String, String> userByToken, int maxFrameBytes, int maxConnections, int maxPerTopic, int rateLimit,
                    long heartbeatMs, long connectionTimeoutMs, int queueSize, OverflowPolicy overflow, long drainMs,
                    String redisUri, int historySize, int ioThreads, WsServerOptions.Engine engine, boolean help) {

    static final String USAGE = """
            Usage: java -jar standalone-server.jar [flags]

              --host=ADDRESS                bind address (default 0.0.0.0)
              --port=N                      port, 0 for an ephemeral port (default 8080)
              --path=/PATH                  WebSocket path (default /ws)
              --publish-topics=GLOB[,GLOB]  topics clients may publish to, e.g. 'pub.*' (default: none)
              --admin-token=SECRET          bearer token of the admin API (default: admin API answers 403)
              --token=USER=TOKEN            a connection token for USER; repeatable (default: anonymous connections)
              --max-frame-bytes=N           largest client frame (default 65536)
              --max-connections=N           connection limit (default 10000)
              --max-per-topic=N             subscribers per topic (default 1000)
              --rate-limit=N                messages per second per connection, 0 = off (default 0)
              --heartbeat-ms=N              ping interval (default 30000)
              --connection-timeout-ms=N     close idle connections after N ms (default 300000)
              --queue-size=N                outbound queue per connection, in messages (default 1024)
              --overflow=POLICY             drop-oldest | drop-newest | disconnect (default drop-oldest)
              --drain-ms=N                  spread the 1001 closes at shutdown over N ms (default 2000)
              --redis=redis://HOST:PORT     share topics, users and admin with other instances through Redis
              --history-size=N              keep N messages per topic for recovery (data.since), 0 = off (default 0);
                                            in Redis Streams with --redis, in memory otherwise
              --io-threads=N                event loops, 0 = Reactor Netty's shared max(cores, 4)
                                            (default: the cores this process may use)
              --engine=ENGINE               reactor-netty | netty (default reactor-netty); netty serves the same
                                            protocol on plain Netty and keeps less memory per idle connection
              --help                        print this and exit

            SIGTERM closes every connection with 1001 and exits.
            """;

    /** Thrown for a bad command line; the message names the flag. */
    static final class BadFlag extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadFlag(String message) {
            super(message);
        }
    }

    static ServerConfig parse(String... args) {
        String host = "0.0.0.0";
        int port = 8080;
        String path = "/ws";
        List<String> publish = new ArrayList<>();
        String adminToken = null;
        Map<String, String> tokens = new LinkedHashMap<>();
        int maxFrame = 65_536;
        int maxConnections = 10_000;
        int maxPerTopic = LimitSpec.DEFAULT_MAX_CONNECTIONS_PER_TOPIC;
        int rate = 0;
        long heartbeat = 30_000;
        long timeout = 300_000;
        int queue = 1024;
        OverflowPolicy overflow = OverflowPolicy.DROP_OLDEST;
        long drain = 2000;
        String redis = null;
        int history = 0;
        int loops = Runtime.getRuntime().availableProcessors();
        WsServerOptions.Engine engine = WsServerOptions.Engine.REACTOR_NETTY;
        boolean help = false;
        for (String arg : args) {
            if (arg.equals("--help") || arg.equals("-h")) {
                help = true;
                continue;
            }
            if (!arg.startsWith("--") || !arg.contains("=")) {
                throw new BadFlag("unknown argument '" + arg + "': flags look like --name=value");
            }
            String name = arg.substring(0, arg.indexOf('='));
            String value = arg.substring(arg.indexOf('=') + 1);
            switch (name) {
                case "--host" -> host = nonEmpty(name, value);
                case "--port" -> port = intIn(name, value, 0, 65535);
                case "--path" -> {
                    if (!value.startsWith("/")) {
                        throw new BadFlag(name + " must start with '/', was '" + value + "'");
                    }
                    path = value;
                }
                case "--publish-topics" -> {
                    for (String p : value.split(",")) {
                        if (!p.isBlank()) {
                            publish.add(p.trim());
                        }
                    }
                }
                case "--admin-token" -> adminToken = nonEmpty(name, value);
                case "--token" -> {
                    int eq = value.indexOf('=');
                    if (eq <= 0 || eq == value.length() - 1) {
                        throw new BadFlag(name + " must look like --token=USER=TOKEN");
                    }
                    tokens.put(value.substring(eq + 1), value.substring(0, eq));
                }
                case "--max-frame-bytes" -> maxFrame = intIn(name, value, 128, 16 * 1024 * 1024);
                case "--max-connections" -> maxConnections = intIn(name, value, 1, Integer.MAX_VALUE);
                case "--max-per-topic" -> maxPerTopic = intIn(name, value, 1, Integer.MAX_VALUE);
                case "--rate-limit" -> rate = intIn(name, value, 0, Integer.MAX_VALUE);
                case "--heartbeat-ms" -> heartbeat = intIn(name, value, 10, Integer.MAX_VALUE);
                case "--connection-timeout-ms" -> timeout = intIn(name, value, 10, Integer.MAX_VALUE);
                case "--queue-size" -> queue = intIn(name, value, 1, 1 << 20);
                case "--overflow" -> overflow = switch (value.toLowerCase(Locale.ROOT)) {
                    case "drop-oldest" -> OverflowPolicy.DROP_OLDEST;
                    case "drop-newest" -> OverflowPolicy.DROP_NEWEST;
                    case "disconnect" -> OverflowPolicy.DISCONNECT;
                    default -> throw new BadFlag(name + " must be drop-oldest, drop-newest or disconnect, was '" + value + "'");
                };
                case "--drain-ms" -> drain = intIn(name, value, 0, 600_000);
                case "--redis" -> {
                    try {
                        redis = RedisBrokerOptions.builder(value).build().uri();
                    } catch (IllegalArgumentException e) {
                        throw new BadFlag("--redis: " + e.getMessage());
                    }
                }
                case "--history-size" -> history = intIn(name, value, 0, 1_000_000);
                case "--io-threads" -> loops = intIn(name, value, 0, 1024);
                case "--engine" -> engine = switch (value.toLowerCase(Locale.ROOT)) {
                    case "reactor-netty" -> WsServerOptions.Engine.REACTOR_NETTY;
                    case "netty" -> WsServerOptions.Engine.NETTY;
                    default -> throw new BadFlag(name + " must be reactor-netty or netty, was '" + value + "'");
                };
                default -> throw new BadFlag("unknown flag " + name);
            }
        }
        if (timeout < heartbeat) {
            throw new BadFlag("--connection-timeout-ms (" + timeout + ") must be >= --heartbeat-ms (" + heartbeat + ")");
        }
        return new ServerConfig(host, port, path, List.copyOf(publish), adminToken, Map.copyOf(tokens), maxFrame,
                maxConnections, maxPerTopic, rate, heartbeat, timeout, queue, overflow, drain, redis, history, loops, engine, help);
    }

    Duration heartbeat() {
        return Duration.ofMillis(heartbeatMs);
    }

    Duration connectionTimeout() {
        return Duration.ofMillis(connectionTimeoutMs);
    }

    private static String nonEmpty(String name, String value) {
        if (value.isBlank()) {
            throw new BadFlag(name + " must not be empty");
        }
        return value;
    }

    private static int intIn(String name, String value, int min, int max) {
        int v;
        try {
            v = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new BadFlag(name + " must be a whole number, was '" + value + "'");
        }
        if (v < min || v > max) {
            throw new BadFlag(name + " must be between " + min + " and " + max + ", was " + v);
        }
        return v;
    }

    @Override
    public String toString() {
        // Never print tokens.
        return "ServerConfig{host=" + host + ", port=" + port + ", path=" + path + ", publish=" + publishTopics
                + ", users=" + userByToken.values() + ", admin=" + (adminToken != null) + ", maxFrameBytes=" + maxFrameBytes
                + ", maxConnections=" + maxConnections + ", maxPerTopic=" + maxPerTopic + ", rateLimit=" + rateLimit + ", heartbeatMs=" + heartbeatMs
                + ", connectionTimeoutMs=" + connectionTimeoutMs + ", queueSize=" + queueSize + ", overflow=" + overflow + ", ioThreads=" + ioThreads + ", engine=" + engine + "}";
    }
}
