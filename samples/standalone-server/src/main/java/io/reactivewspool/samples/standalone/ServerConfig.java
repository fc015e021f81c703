package io.reactivewspool.samples.standalone;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.reactivewspool.broker.redis.RedisBrokerOptions;
import io.reactivewspool.samples.standalone.ConfigSources.BadSetting;
import io.reactivewspool.samples.standalone.ConfigSources.Value;
import io.reactivewspool.server.OverflowPolicy;
import io.reactivewspool.server.LimitSpec;
import io.reactivewspool.server.netty.WsServerOptions;

/**
 * The standalone server's settings, parsed and checked. They come from flags, {@code WSPOOL_*}
 * environment variables and an optional properties file, in that order of precedence (see
 * {@link ConfigSources}); every problem names its source and key.
 *
 * @param host              bind address
 * @param port              port, 0 for an ephemeral one
 * @param path              WebSocket path
 * @param publishTopics     glob patterns clients may publish to
 * @param adminToken        admin API bearer token, or {@code null} (admin API answers 403)
 * @param userByToken       connection tokens (token to user id); empty: anonymous connections
 * @param maxFrameBytes     largest client frame
 * @param maxConnections    connection limit
 * @param maxPerUser        connections per user limit
 * @param maxPerTopic       subscribers per topic limit
 * @param rateLimit         messages per second per connection, 0 = off
 * @param heartbeatMs       heartbeat interval
 * @param connectionTimeoutMs idle timeout
 * @param queueSize         outbound queue per connection
 * @param overflow          overflow policy
 * @param drainMs           graceful-close drain period
 * @param redisUri          {@code redis://HOST:PORT} of the Redis broker (password included), or {@code null} (one instance)
 * @param historySize       messages of history per topic for recovery, 0 = off
 * @param ioThreads         event loops of the server, 0 = Reactor Netty's shared ones
 * @param engine            what carries the connections: Reactor Netty's HttpServer or plain Netty
 * @param allowedOrigins    browser origins allowed to connect; empty: same-origin and non-browser clients
 * @param compression       permessage-deflate offered to clients
 * @param presenceTopics    topics whose members {@code WsHub.presence} reports
 * @param presenceEvents    topics whose members get {@code join}/{@code leave} messages
 * @param tls               the certificate and key to serve {@code wss://} with, or {@code null}
 * @param dashboard         serve the operator dashboard
 * @param warnings          lines to log at startup (secrets on the command line, unknown variables)
 * @param help              print usage and exit
 */
record ServerConfig(String host, int port, String path, List<String> publishTopics, String adminToken,
                    Map<String, String> userByToken, int maxFrameBytes, int maxConnections, int maxPerUser, int maxPerTopic,
                    int rateLimit, long heartbeatMs, long connectionTimeoutMs, int queueSize, OverflowPolicy overflow,
                    long drainMs, String redisUri, int historySize, int ioThreads, WsServerOptions.Engine engine,
                    List<String> allowedOrigins, boolean compression, List<String> presenceTopics,
                    List<String> presenceEvents, Tls tls, boolean dashboard, List<String> warnings, boolean help) {

    /**
     * The files {@code wss://} is served with.
     *
     * @param certificate PEM certificate chain, the server's certificate first
     * @param privateKey  PEM PKCS#8 private key
     * @param keyPassword the key's password, or {@code null} when it is not encrypted
     */
    record Tls(Path certificate, Path privateKey, String keyPassword) {

        @Override
        public String toString() {
            return "Tls{certificate=" + certificate + ", privateKey=" + privateKey + "}";
        }
    }

    static final String USAGE = """
            Usage: java -jar standalone-server.jar [flags]

            Every flag can also be set as an environment variable (--max-connections -> WSPOOL_MAX_CONNECTIONS)
            or as a key in a properties file (max-connections=100) named by --config=FILE or WSPOOL_CONFIG.
            Flags win over the environment, the environment over the file. Secrets (marked *) can also be
            read from a file: --admin-token-file=PATH, WSPOOL_ADMIN_TOKEN_FILE=PATH, admin-token-file=PATH.

              --config=FILE                 a properties file with more settings
              --host=ADDRESS                bind address (default 0.0.0.0)
              --port=N                      port, 0 for an ephemeral port (default 8080)
              --path=/PATH                  WebSocket path (default /ws)
              --publish-topics=GLOB[,GLOB]  topics clients may publish to, e.g. 'pub.*' (default: none)
            * --admin-token=SECRET          bearer token of the admin API (default: admin API answers 403)
            * --token=USER=TOKEN            a connection token for USER; repeatable; in the environment or a
                                            file: USER=TOKEN pairs separated by commas or lines
                                            (default: anonymous connections)
              --allowed-origins=ORIGIN[,ORIGIN]  browser origins that may connect, or * (default: same origin only)
              --compression=true|false      offer permessage-deflate (default false)
              --max-frame-bytes=N           largest client frame (default 65536)
              --max-connections=N           connection limit (default 10000)
              --max-connections-per-user=N  connections per user (default 100)
              --max-per-topic=N             subscribers per topic (default 1000)
              --rate-limit=N                messages per second per connection, 0 = off (default 0)
              --heartbeat-ms=N              ping interval (default 30000)
              --connection-timeout-ms=N     close idle connections after N ms (default 300000)
              --queue-size=N                outbound queue per connection, in messages (default 1024)
              --overflow=POLICY             drop-oldest | drop-newest | disconnect (default drop-oldest)
              --drain-ms=N                  spread the 1001 closes at shutdown over N ms (default 2000)
              --presence-topics=GLOB[,GLOB] topics whose members the admin API and presence() report
              --presence-events=GLOB[,GLOB] topics whose members get join/leave messages
              --redis=redis://HOST:PORT     share topics, users and admin with other instances through Redis
            * --redis-password=SECRET       the Redis password (instead of putting it in the URI)
              --history-size=N              keep N messages per topic for recovery (data.since), 0 = off (default 0);
                                            in Redis Streams with --redis, in memory otherwise
              --tls-cert=FILE               serve wss:// with this PEM certificate chain (needs --tls-key)
              --tls-key=FILE                the PEM (PKCS#8) private key of --tls-cert
            * --tls-key-password=SECRET     the key's password when it is encrypted
              --dashboard=true|false        serve the operator dashboard at /api/admin/websockets/dashboard/ (default false);
                                            it signs in with the admin token
              --io-threads=N                event loops, 0 = Reactor Netty's shared max(cores, 4)
                                            (default: the cores this process may use)
              --engine=ENGINE               reactor-netty | netty (default reactor-netty); netty serves the same
                                            protocol on plain Netty and keeps less memory per idle connection
              --help                        print this and exit

            SIGTERM closes every connection with 1001 and exits.
            """;

    /** The keys this server understands; flag, variable and file key derive from each. */
    static final Set<String> KEYS = Set.of("host", "port", "path", "publish-topics", "admin-token", "token",
            "allowed-origins", "compression", "max-frame-bytes", "max-connections", "max-connections-per-user",
            "max-per-topic", "rate-limit", "heartbeat-ms", "connection-timeout-ms", "queue-size", "overflow", "drain-ms",
            "presence-topics", "presence-events", "redis", "redis-password", "history-size", "tls-cert", "tls-key",
            "tls-key-password", "io-threads", "engine", "dashboard");

    /** The keys that may be given as {@code KEY-file}, and that warn when they are flags. */
    static final Set<String> SECRETS = Set.of("admin-token", "token", "redis-password", "tls-key-password");

    /** Thrown for a bad setting; the message names its source and key. */
    static final class BadFlag extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadFlag(String message) {
            super(message);
        }
    }

    /** Flags only, as tests give them. */
    static ServerConfig parse(String... args) {
        return load(args, Map.of());
    }

    /** Flags, then {@code environment}'s {@code WSPOOL_*} variables, then the config file. */
    static ServerConfig load(String[] args, Map<String, String> environment) {
        try {
            return from(ConfigSources.read(args, environment, KEYS, SECRETS));
        } catch (BadSetting e) {
            throw new BadFlag(e.getMessage());
        }
    }

    private static ServerConfig from(ConfigSources s) {
        String host = text(s, "host", "0.0.0.0");
        int port = intIn(s, "port", 0, 65535, 8080);
        String path = text(s, "path", "/ws");
        Value pathValue = s.get("path");
        if (!path.startsWith("/")) {
            throw pathValue.bad("must start with '/', was '" + path + "'");
        }
        Map<String, String> tokens = new LinkedHashMap<>();
        for (Value v : s.all("token")) {
            for (String raw : v.text().split("[,\\n]")) {
                String pair = raw.strip();
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                if (eq <= 0 || eq == pair.length() - 1) {
                    throw v.bad("must look like USER=TOKEN");
                }
                tokens.put(pair.substring(eq + 1).strip(), pair.substring(0, eq).strip());
            }
        }
        int maxFrame = intIn(s, "max-frame-bytes", 128, 16 * 1024 * 1024, 65_536);
        int maxConnections = intIn(s, "max-connections", 1, Integer.MAX_VALUE, LimitSpec.DEFAULT_MAX_CONNECTIONS);
        int maxPerUser = intIn(s, "max-connections-per-user", 1, Integer.MAX_VALUE, LimitSpec.DEFAULT_MAX_CONNECTIONS_PER_USER);
        int maxPerTopic = intIn(s, "max-per-topic", 1, Integer.MAX_VALUE, LimitSpec.DEFAULT_MAX_CONNECTIONS_PER_TOPIC);
        int rate = intIn(s, "rate-limit", 0, Integer.MAX_VALUE, 0);
        long heartbeat = intIn(s, "heartbeat-ms", 10, Integer.MAX_VALUE, 30_000);
        long timeout = intIn(s, "connection-timeout-ms", 10, Integer.MAX_VALUE, 300_000);
        int queue = intIn(s, "queue-size", 1, 1 << 20, 1024);
        OverflowPolicy overflow = choice(s, "overflow", Map.of("drop-oldest", OverflowPolicy.DROP_OLDEST,
                "drop-newest", OverflowPolicy.DROP_NEWEST, "disconnect", OverflowPolicy.DISCONNECT),
                "drop-oldest, drop-newest or disconnect", OverflowPolicy.DROP_OLDEST);
        long drain = intIn(s, "drain-ms", 0, 600_000, 2000);
        String redis = redisUri(s);
        int history = intIn(s, "history-size", 0, 1_000_000, 0);
        int loops = intIn(s, "io-threads", 0, 1024, Runtime.getRuntime().availableProcessors());
        WsServerOptions.Engine engine = choice(s, "engine", Map.of("reactor-netty", WsServerOptions.Engine.REACTOR_NETTY,
                "netty", WsServerOptions.Engine.NETTY), "reactor-netty or netty", WsServerOptions.Engine.REACTOR_NETTY);
        boolean compression = bool(s, "compression", false);
        if (timeout < heartbeat) {
            throw s.get("connection-timeout-ms").bad("(" + timeout + ") must be >= heartbeat-ms (" + heartbeat + ")");
        }
        String adminToken = s.get("admin-token") == null ? null : nonEmpty(s.get("admin-token"));
        return new ServerConfig(host, port, path, list(s, "publish-topics"), adminToken, Map.copyOf(tokens), maxFrame,
                maxConnections, maxPerUser, maxPerTopic, rate, heartbeat, timeout, queue, overflow, drain, redis, history,
                loops, engine, list(s, "allowed-origins"), compression, list(s, "presence-topics"),
                list(s, "presence-events"), tls(s), bool(s, "dashboard", false), s.warnings(), s.help());
    }

    private static Tls tls(ConfigSources s) {
        Value cert = s.get("tls-cert");
        Value key = s.get("tls-key");
        Value password = s.get("tls-key-password");
        if (cert == null && key == null) {
            if (password != null) {
                throw password.bad("is set but tls-cert and tls-key are not");
            }
            return null;
        }
        if (cert == null || key == null) {
            throw (cert == null ? key : cert).bad("needs both tls-cert and tls-key");
        }
        return new Tls(readable(cert), readable(key), password == null ? null : password.text());
    }

    private static Path readable(Value v) {
        Path p = Path.of(v.text());
        if (!Files.isReadable(p) || Files.isDirectory(p)) {
            throw v.bad("must name a readable file, was '" + v.text() + "'");
        }
        return p;
    }

    private static String redisUri(ConfigSources s) {
        Value v = s.get("redis");
        Value password = s.get("redis-password");
        if (v == null) {
            if (password != null) {
                throw password.bad("is set but redis is not");
            }
            return null;
        }
        String uri = v.text();
        if (password != null) {
            int scheme = uri.indexOf("://");
            if (scheme < 0 || uri.indexOf('@', scheme) >= 0) {
                throw password.bad("needs redis as redis://HOST:PORT without a password in it, was '" + redactedUri(uri) + "'");
            }
            String encoded = URLEncoder.encode(password.text(), StandardCharsets.UTF_8).replace("+", "%20");
            uri = uri.substring(0, scheme + 3) + ":" + encoded + "@" + uri.substring(scheme + 3);
        }
        try {
            return RedisBrokerOptions.builder(uri).build().uri();
        } catch (IllegalArgumentException e) {
            throw v.bad("is not a Redis URI: " + e.getMessage().replace(uri, redactedUri(uri)));
        }
    }

    private static String redactedUri(String uri) {
        return uri.replaceAll("//[^@/]*@", "//***@");
    }

    Duration heartbeat() {
        return Duration.ofMillis(heartbeatMs);
    }

    Duration connectionTimeout() {
        return Duration.ofMillis(connectionTimeoutMs);
    }

    private static String text(ConfigSources s, String key, String dflt) {
        Value v = s.get(key);
        return v == null ? dflt : nonEmpty(v);
    }

    private static String nonEmpty(Value v) {
        if (v.text().isBlank()) {
            throw v.bad("must not be empty");
        }
        return v.text();
    }

    private static List<String> list(ConfigSources s, String key) {
        Value v = s.get(key);
        List<String> out = new ArrayList<>();
        if (v != null) {
            for (String p : v.text().split(",")) {
                if (!p.isBlank()) {
                    out.add(p.trim());
                }
            }
        }
        return List.copyOf(out);
    }

    private static int intIn(ConfigSources s, String key, int min, int max, int dflt) {
        Value v = s.get(key);
        if (v == null) {
            return dflt;
        }
        int n;
        try {
            n = Integer.parseInt(v.text().trim());
        } catch (NumberFormatException e) {
            throw v.bad("must be a whole number, was '" + v.text() + "'");
        }
        if (n < min || n > max) {
            throw v.bad("must be between " + min + " and " + max + ", was " + n);
        }
        return n;
    }

    private static boolean bool(ConfigSources s, String key, boolean dflt) {
        Value v = s.get(key);
        if (v == null) {
            return dflt;
        }
        return switch (v.text().trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw v.bad("must be true or false, was '" + v.text() + "'");
        };
    }

    private static <T> T choice(ConfigSources s, String key, Map<String, T> choices, String allowed, T dflt) {
        Value v = s.get(key);
        if (v == null) {
            return dflt;
        }
        T t = choices.get(v.text().trim().toLowerCase(Locale.ROOT));
        if (t == null) {
            throw v.bad("must be " + allowed + ", was '" + v.text() + "'");
        }
        return t;
    }

    @Override
    public String toString() {
        // Never print secrets.
        return "ServerConfig{host=" + host + ", port=" + port + ", path=" + path + ", publish=" + publishTopics
                + ", users=" + userByToken.values() + ", admin=" + (adminToken != null) + ", maxFrameBytes=" + maxFrameBytes
                + ", maxConnections=" + maxConnections + ", maxPerUser=" + maxPerUser + ", maxPerTopic=" + maxPerTopic
                + ", rateLimit=" + rateLimit + ", heartbeatMs=" + heartbeatMs + ", connectionTimeoutMs=" + connectionTimeoutMs
                + ", queueSize=" + queueSize + ", overflow=" + overflow + ", redis=" + (redisUri == null ? null : redactedUri(redisUri))
                + ", historySize=" + historySize + ", allowedOrigins=" + allowedOrigins + ", compression=" + compression
                + ", presenceTopics=" + presenceTopics + ", presenceEvents=" + presenceEvents + ", tls=" + tls + ", dashboard=" + dashboard
                + ", ioThreads=" + ioThreads + ", engine=" + engine + "}";
    }
}
