package io.reactivewspool.spring;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.reactivewspool.client.ReuseOrder;
import io.reactivewspool.server.OverflowPolicy;
import io.reactivewspool.server.jwt.JwtAlgorithm;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.core.io.Resource;
import org.springframework.util.unit.DataSize;

/**
 * Configuration under {@code wspool.*}: the hub ({@code wspool.server}), its admin API
 * ({@code wspool.admin}), client pools ({@code wspool.client.pools.NAME}), the Redis broker
 * ({@code wspool.broker.redis}) and topic history ({@code wspool.history}). An option left unset
 * keeps the library's default (quoted on each property). A value out of range fails startup with a
 * message that names the property.
 *
 * <pre>{@code
 * wspool.server.path=/ws
 * wspool.server.publish-topics=pub.*,chat.*
 * wspool.admin.token=${ADMIN_TOKEN}
 * wspool.client.pools.prices.url=wss://feed.example.com/ws
 * wspool.client.pools.prices.max-connections=16
 * }</pre>
 */
@ConfigurationProperties(prefix = "wspool")
public class WsPoolProperties {

    private final Server server = new Server();
    private final Admin admin = new Admin();
    private final Client client = new Client();
    private final Broker broker = new Broker();
    private final History history = new History();

    public Server getServer() {
        return server;
    }

    public Admin getAdmin() {
        return admin;
    }

    public Client getClient() {
        return client;
    }

    public Broker getBroker() {
        return broker;
    }

    public History getHistory() {
        return history;
    }

    /** The hub and its WebSocket endpoint. */
    public static class Server {
        /** Whether to serve the hub's WebSocket endpoint. */
        private boolean enabled = true;
        /** Path of the WebSocket endpoint. */
        private String path = "/ws";
        /** Glob patterns of topics clients may publish to (e.g. pub.*); empty: clients may not publish. */
        private List<String> publishTopics = new ArrayList<>();
        /**
         * Glob patterns of topics whose presence the hub tracks, for WsHub.presence and the admin
         * API's /presence (e.g. room.*); empty: none. With the Redis broker each tracked topic costs
         * one entry per node in Redis, written when its subscribers change.
         */
        private List<String> presenceTopics = new ArrayList<>();
        /**
         * Binary codecs clients may choose by WebSocket subprotocol besides JSON: cbor (wspool.cbor,
         * needs jackson-dataformat-cbor), msgpack (wspool.msgpack, needs msgpack-core). Empty: JSON only.
         */
        private List<String> codecs = new ArrayList<>();
        /** Largest inbound frame; larger frames close the connection with 1009. Default 64KB. */
        private DataSize maxFrameSize;
        /** Origins allowed to open a connection (exact, e.g. https://app.example.com); empty: same-origin and non-browser clients only. */
        private List<String> allowedOrigins = new ArrayList<>();
        /** Interval of ping frames. Default 30s. */
        private Duration heartbeatInterval;
        /** Whether to send an application-level 'heartbeat' message each interval too (browsers cannot see ping frames). Default false. */
        private Boolean heartbeatMessages;
        /** A connection without activity for this long is closed with 4000. Default 300s. */
        private Duration connectionTimeout;
        /** Interval of the stale-connection sweep. Default 60s. */
        private Duration cleanupInterval;
        /** Most connections at once; more get 1013. Default 10000. */
        private Integer maxConnections;
        /** Most connections of one user. Default 100. */
        private Integer maxConnectionsPerUser;
        /** Most subscribers of one topic. Default 1000. */
        private Integer maxConnectionsPerTopic;
        /** Most topics one connection may subscribe to. Default 100. */
        private Integer maxTopicsPerConnection;
        /** Messages each connection's outbound queue holds. Default 1024. */
        private Integer queueSize;
        /** What a full outbound queue does: drop-oldest, drop-newest or disconnect (4001). Default drop-oldest. */
        private OverflowPolicy overflow;
        /** Inbound messages per second per connection; 0 turns the limit off. Default 0. */
        private Integer rateLimit;
        /** Period over which a shutdown closes connections (1001) in batches. Default 2s. */
        private Duration closeDrainPeriod;
        /** Whether to negotiate permessage-deflate. Default false. */
        private boolean compression;
        /**
         * Event loops of WebFlux's Reactor Netty server: 0 keeps Reactor Netty's own (max(cores, 4), or
         * reactor.netty.ioWorkerCount). Default: one per core, unless reactor.netty.ioWorkerCount is set.
         */
        private Integer eventLoops;
        /** How connections authenticate. */
        private final Auth auth = new Auth();

        public boolean isEnabled() { return enabled; }
        public void setEnabled(boolean enabled) { this.enabled = enabled; }
        public String getPath() { return path; }
        public void setPath(String path) { this.path = path; }
        public List<String> getPublishTopics() { return publishTopics; }
        public void setPublishTopics(List<String> publishTopics) { this.publishTopics = publishTopics; }
        public List<String> getCodecs() { return codecs; }
        public void setCodecs(List<String> codecs) { this.codecs = codecs; }
        public List<String> getPresenceTopics() { return presenceTopics; }
        public void setPresenceTopics(List<String> presenceTopics) { this.presenceTopics = presenceTopics; }
        public DataSize getMaxFrameSize() { return maxFrameSize; }
        public void setMaxFrameSize(DataSize maxFrameSize) { this.maxFrameSize = maxFrameSize; }
        public List<String> getAllowedOrigins() { return allowedOrigins; }
        public void setAllowedOrigins(List<String> allowedOrigins) { this.allowedOrigins = allowedOrigins; }
        public Duration getHeartbeatInterval() { return heartbeatInterval; }
        public void setHeartbeatInterval(Duration heartbeatInterval) { this.heartbeatInterval = heartbeatInterval; }
        public Boolean getHeartbeatMessages() { return heartbeatMessages; }
        public void setHeartbeatMessages(Boolean heartbeatMessages) { this.heartbeatMessages = heartbeatMessages; }
        public Duration getConnectionTimeout() { return connectionTimeout; }
        public void setConnectionTimeout(Duration connectionTimeout) { this.connectionTimeout = connectionTimeout; }
        public Duration getCleanupInterval() { return cleanupInterval; }
        public void setCleanupInterval(Duration cleanupInterval) { this.cleanupInterval = cleanupInterval; }
        public Integer getMaxConnections() { return maxConnections; }
        public void setMaxConnections(Integer maxConnections) { this.maxConnections = maxConnections; }
        public Integer getMaxConnectionsPerUser() { return maxConnectionsPerUser; }
        public void setMaxConnectionsPerUser(Integer maxConnectionsPerUser) { this.maxConnectionsPerUser = maxConnectionsPerUser; }
        public Integer getMaxConnectionsPerTopic() { return maxConnectionsPerTopic; }
        public void setMaxConnectionsPerTopic(Integer maxConnectionsPerTopic) { this.maxConnectionsPerTopic = maxConnectionsPerTopic; }
        public Integer getMaxTopicsPerConnection() { return maxTopicsPerConnection; }
        public void setMaxTopicsPerConnection(Integer maxTopicsPerConnection) { this.maxTopicsPerConnection = maxTopicsPerConnection; }
        public Integer getQueueSize() { return queueSize; }
        public void setQueueSize(Integer queueSize) { this.queueSize = queueSize; }
        public OverflowPolicy getOverflow() { return overflow; }
        public void setOverflow(OverflowPolicy overflow) { this.overflow = overflow; }
        public Integer getRateLimit() { return rateLimit; }
        public void setRateLimit(Integer rateLimit) { this.rateLimit = rateLimit; }
        public Duration getCloseDrainPeriod() { return closeDrainPeriod; }
        public void setCloseDrainPeriod(Duration closeDrainPeriod) { this.closeDrainPeriod = closeDrainPeriod; }
        public boolean isCompression() { return compression; }
        public void setCompression(boolean compression) { this.compression = compression; }
        public Integer getEventLoops() { return eventLoops; }
        public void setEventLoops(Integer eventLoops) { this.eventLoops = eventLoops; }
        public Auth getAuth() { return auth; }
    }

    /** How connections authenticate, unless the application declares its own Authenticator bean. */
    public static class Auth {
        /** A JWT authenticator, created when a key is set (hmac-secret, public-key-location or jwks-uri). */
        private final Jwt jwt = new Jwt();

        public Jwt getJwt() { return jwt; }
    }

    /** The JWT authenticator (needs com.nimbusds:nimbus-jose-jwt). */
    public static class Jwt {
        /** Accepted algorithms: HS256, RS256, ES256; only these are accepted. Default: those the configured keys need (HS256 for hmac-secret, RS256 for jwks-uri or an RSA public key, ES256 for an EC public key). */
        private List<JwtAlgorithm> algorithms = new ArrayList<>();
        /** Shared secret for HS256, at least 32 bytes (UTF-8). Prefer an environment variable to a file in the repository. */
        private String hmacSecret;
        /** PEM file of an RSA or EC P-256 public key (-----BEGIN PUBLIC KEY-----), e.g. file:/etc/keys/jwt.pem. */
        private Resource publicKeyLocation;
        /** URL of the issuer's JWK set; read off the event loop, cached and read again on an unknown key id. */
        private URI jwksUri;
        /** How long a JWK set read is used before it is read again. Default 5m. */
        private Duration jwksCacheTtl;
        /** The exact 'iss' a token must carry; unset: any. */
        private String issuer;
        /** A token's 'aud' must contain one of these; empty: any. */
        private List<String> audiences = new ArrayList<>();
        /** Claims every token must carry. */
        private List<String> requiredClaims = new ArrayList<>();
        /** The string claim naming the user. Default sub. */
        private String userIdClaim;
        /** Whether a token must carry 'exp'. Default true. */
        private Boolean requireExpiry;
        /** Tolerance on 'exp' and 'nbf' for clocks that differ (0 to 10m). Default 60s. */
        private Duration clockSkew;

        public List<JwtAlgorithm> getAlgorithms() { return algorithms; }
        public void setAlgorithms(List<JwtAlgorithm> algorithms) { this.algorithms = algorithms; }
        public String getHmacSecret() { return hmacSecret; }
        public void setHmacSecret(String hmacSecret) { this.hmacSecret = hmacSecret; }
        public Resource getPublicKeyLocation() { return publicKeyLocation; }
        public void setPublicKeyLocation(Resource publicKeyLocation) { this.publicKeyLocation = publicKeyLocation; }
        public URI getJwksUri() { return jwksUri; }
        public void setJwksUri(URI jwksUri) { this.jwksUri = jwksUri; }
        public Duration getJwksCacheTtl() { return jwksCacheTtl; }
        public void setJwksCacheTtl(Duration jwksCacheTtl) { this.jwksCacheTtl = jwksCacheTtl; }
        public String getIssuer() { return issuer; }
        public void setIssuer(String issuer) { this.issuer = issuer; }
        public List<String> getAudiences() { return audiences; }
        public void setAudiences(List<String> audiences) { this.audiences = audiences; }
        public List<String> getRequiredClaims() { return requiredClaims; }
        public void setRequiredClaims(List<String> requiredClaims) { this.requiredClaims = requiredClaims; }
        public String getUserIdClaim() { return userIdClaim; }
        public void setUserIdClaim(String userIdClaim) { this.userIdClaim = userIdClaim; }
        public Boolean getRequireExpiry() { return requireExpiry; }
        public void setRequireExpiry(Boolean requireExpiry) { this.requireExpiry = requireExpiry; }
        public Duration getClockSkew() { return clockSkew; }
        public void setClockSkew(Duration clockSkew) { this.clockSkew = clockSkew; }
    }

    /** The admin HTTP API of the hub. */
    public static class Admin {
        /** Whether to serve the admin API. */
        private boolean enabled = true;
        /** Base path of the admin API. */
        private String path = "/api/admin/websockets";
        /** Bearer token that grants admin access when Spring Security is not present. With neither, the admin API answers 403. */
        private String token;
        /** Role (authority without the ROLE_ prefix) required when Spring Security is present. */
        private String role = "WSPOOL_ADMIN";
        /** The operator dashboard, served at the admin path + /dashboard/. */
        private final Dashboard dashboard = new Dashboard();

        public boolean isEnabled() { return enabled; }
        public void setEnabled(boolean enabled) { this.enabled = enabled; }
        public String getPath() { return path; }
        public void setPath(String path) { this.path = path; }
        public String getToken() { return token; }
        public void setToken(String token) { this.token = token; }
        public String getRole() { return role; }
        public void setRole(String role) { this.role = role; }
        public Dashboard getDashboard() { return dashboard; }
    }

    /** The operator dashboard: its data comes from the admin API, under the admin API's access rules. */
    public static class Dashboard {
        /** Whether to serve the operator dashboard at the admin path + /dashboard/. */
        private boolean enabled;

        public boolean isEnabled() { return enabled; }
        public void setEnabled(boolean enabled) { this.enabled = enabled; }
    }

    /** Outbound client pools, one {@code WsClientPool} bean per name. */
    public static class Client {
        /** Pools by name; each becomes a WsClientPool bean named NAME + "WsClientPool". */
        private Map<String, Pool> pools = new LinkedHashMap<>();

        public Map<String, Pool> getPools() { return pools; }
        public void setPools(Map<String, Pool> pools) { this.pools = pools; }
    }

    /** One client pool; unset options keep the library defaults (see docs/CLIENT.md). */
    public static class Pool {
        /** ws:// or wss:// URL of the server. */
        private String url;
        /** Connections kept open even when idle. Default 1. */
        private Integer minConnections;
        /** Most connections. Default 8. */
        private Integer maxConnections;
        /** Lifetime after which a connection is replaced. Default 30m. */
        private Duration maxLifetime;
        /** Fraction of the lifetime subtracted at random per connection, so a fleet does not reconnect at once. Default 0.1. */
        private Double maxLifetimeJitter;
        /** Idle time after which connections above the minimum are closed. Default 10m. */
        private Duration maxIdleTime;
        /** Interval of background health checks (ping). Default 30s. */
        private Duration healthCheckPeriod;
        /** How long a health-check ping may wait for its pong. Default 5s. */
        private Duration healthCheckTimeout;
        /** A connection idle longer than this is pinged before it is handed out. Default 5s. */
        private Duration validateAfterIdle;
        /** How long acquire() waits for a connection. Default 10s. */
        private Duration acquireTimeout;
        /** Most acquires waiting at once; more fail at once. Default 1000. */
        private Integer maxPendingAcquires;
        /** First connect retry delay. Default 100ms. */
        private Duration connectBackoffFirst;
        /** Longest connect retry delay. Default 10s. */
        private Duration connectBackoffMax;
        /** Jitter factor of connect retry delays (0..1). Default 0.5. */
        private Double connectBackoffJitter;
        /** Connect attempts per allocation. Default 5. */
        private Integer connectMaxAttempts;
        /** pool.request() calls in flight on one connection before the pool opens another (below max-connections). Default 100. */
        private Integer maxRequestsPerConnection;
        /** Which idle connection is reused first: MOST_RECENTLY_USED or LEAST_RECENTLY_USED. */
        private ReuseOrder reuseOrder;
        /** Whether to open the minimum number of connections at startup. Default true. */
        private Boolean warmup;
        /** TCP connect timeout. */
        private Duration connectTimeout;
        /** WebSocket handshake timeout. */
        private Duration handshakeTimeout;
        /** Default deadline of request(). */
        private Duration requestTimeout;
        /** Largest inbound frame. */
        private DataSize maxFrameSize;
        /** Whether to negotiate permessage-deflate. */
        private Boolean compression;
        /** Bearer token sent in the upgrade request (never logged). */
        private String bearerToken;
        /** Extra headers of the upgrade request. */
        private Map<String, String> headers = new LinkedHashMap<>();
        /** Subprotocols to offer. */
        private List<String> subprotocols = new ArrayList<>();
        /** Opt-in adaptive sizing between min-connections and max-connections (off unless enabled). */
        private Adaptive adaptiveSizing = new Adaptive();

        public String getUrl() { return url; }
        public void setUrl(String url) { this.url = url; }
        public Integer getMinConnections() { return minConnections; }
        public void setMinConnections(Integer minConnections) { this.minConnections = minConnections; }
        public Integer getMaxConnections() { return maxConnections; }
        public void setMaxConnections(Integer maxConnections) { this.maxConnections = maxConnections; }
        public Duration getMaxLifetime() { return maxLifetime; }
        public void setMaxLifetime(Duration maxLifetime) { this.maxLifetime = maxLifetime; }
        public Double getMaxLifetimeJitter() { return maxLifetimeJitter; }
        public void setMaxLifetimeJitter(Double maxLifetimeJitter) { this.maxLifetimeJitter = maxLifetimeJitter; }
        public Duration getMaxIdleTime() { return maxIdleTime; }
        public void setMaxIdleTime(Duration maxIdleTime) { this.maxIdleTime = maxIdleTime; }
        public Duration getHealthCheckPeriod() { return healthCheckPeriod; }
        public void setHealthCheckPeriod(Duration healthCheckPeriod) { this.healthCheckPeriod = healthCheckPeriod; }
        public Duration getHealthCheckTimeout() { return healthCheckTimeout; }
        public void setHealthCheckTimeout(Duration healthCheckTimeout) { this.healthCheckTimeout = healthCheckTimeout; }
        public Duration getValidateAfterIdle() { return validateAfterIdle; }
        public void setValidateAfterIdle(Duration validateAfterIdle) { this.validateAfterIdle = validateAfterIdle; }
        public Duration getAcquireTimeout() { return acquireTimeout; }
        public void setAcquireTimeout(Duration acquireTimeout) { this.acquireTimeout = acquireTimeout; }
        public Integer getMaxPendingAcquires() { return maxPendingAcquires; }
        public void setMaxPendingAcquires(Integer maxPendingAcquires) { this.maxPendingAcquires = maxPendingAcquires; }
        public Duration getConnectBackoffFirst() { return connectBackoffFirst; }
        public void setConnectBackoffFirst(Duration connectBackoffFirst) { this.connectBackoffFirst = connectBackoffFirst; }
        public Duration getConnectBackoffMax() { return connectBackoffMax; }
        public void setConnectBackoffMax(Duration connectBackoffMax) { this.connectBackoffMax = connectBackoffMax; }
        public Double getConnectBackoffJitter() { return connectBackoffJitter; }
        public void setConnectBackoffJitter(Double connectBackoffJitter) { this.connectBackoffJitter = connectBackoffJitter; }
        public Integer getConnectMaxAttempts() { return connectMaxAttempts; }
        public void setConnectMaxAttempts(Integer connectMaxAttempts) { this.connectMaxAttempts = connectMaxAttempts; }
        public Integer getMaxRequestsPerConnection() { return maxRequestsPerConnection; }
        public void setMaxRequestsPerConnection(Integer maxRequestsPerConnection) { this.maxRequestsPerConnection = maxRequestsPerConnection; }
        public ReuseOrder getReuseOrder() { return reuseOrder; }
        public void setReuseOrder(ReuseOrder reuseOrder) { this.reuseOrder = reuseOrder; }
        public Boolean getWarmup() { return warmup; }
        public void setWarmup(Boolean warmup) { this.warmup = warmup; }
        public Duration getConnectTimeout() { return connectTimeout; }
        public void setConnectTimeout(Duration connectTimeout) { this.connectTimeout = connectTimeout; }
        public Duration getHandshakeTimeout() { return handshakeTimeout; }
        public void setHandshakeTimeout(Duration handshakeTimeout) { this.handshakeTimeout = handshakeTimeout; }
        public Duration getRequestTimeout() { return requestTimeout; }
        public void setRequestTimeout(Duration requestTimeout) { this.requestTimeout = requestTimeout; }
        public DataSize getMaxFrameSize() { return maxFrameSize; }
        public void setMaxFrameSize(DataSize maxFrameSize) { this.maxFrameSize = maxFrameSize; }
        public Boolean getCompression() { return compression; }
        public void setCompression(Boolean compression) { this.compression = compression; }
        public String getBearerToken() { return bearerToken; }
        public void setBearerToken(String bearerToken) { this.bearerToken = bearerToken; }
        public Map<String, String> getHeaders() { return headers; }
        public void setHeaders(Map<String, String> headers) { this.headers = headers; }
        public List<String> getSubprotocols() { return subprotocols; }
        public void setSubprotocols(List<String> subprotocols) { this.subprotocols = subprotocols; }
        public Adaptive getAdaptiveSizing() { return adaptiveSizing; }
        public void setAdaptiveSizing(Adaptive adaptiveSizing) { this.adaptiveSizing = adaptiveSizing; }
    }

    /** Adaptive sizing of one client pool (AdaptiveSizingSpec); unset values keep its defaults. */
    public static class Adaptive {
        /** Whether the pool sizes itself between min-connections and max-connections with the load. Default false. */
        private Boolean enabled;
        /** How often the load is sampled. Default 1s. */
        private Duration interval;
        /** Weight of the newest sample in the moving average (0..1]. Default 0.5. */
        private Double smoothing;
        /** Utilisation the target size is chosen for (0..1]. Default 0.75. */
        private Double targetUtilisation;
        /** The pool shrinks only when its peak load stays below this share of its size. Default 0.5. */
        private Double shrinkUtilisation;
        /** Mean acquire wait above which the pool counts as under pressure. Default 5ms. */
        private Duration acquireWaitThreshold;
        /** Concurrent pool.request round trips one connection is sized for. Default 16. */
        private Integer requestsPerConnection;
        /** Largest growth per change. Default 4. */
        private Integer maxStepUp;
        /** Largest shrink per change. Default 2. */
        private Integer maxStepDown;
        /** Least time between a change and a growth. Default 2s. */
        private Duration growCooldown;
        /** Least time between a change and a shrink; the load must stay low that long. Default 10s. */
        private Duration shrinkCooldown;

        public Boolean getEnabled() { return enabled; }
        public void setEnabled(Boolean enabled) { this.enabled = enabled; }
        public Duration getInterval() { return interval; }
        public void setInterval(Duration interval) { this.interval = interval; }
        public Double getSmoothing() { return smoothing; }
        public void setSmoothing(Double smoothing) { this.smoothing = smoothing; }
        public Double getTargetUtilisation() { return targetUtilisation; }
        public void setTargetUtilisation(Double targetUtilisation) { this.targetUtilisation = targetUtilisation; }
        public Double getShrinkUtilisation() { return shrinkUtilisation; }
        public void setShrinkUtilisation(Double shrinkUtilisation) { this.shrinkUtilisation = shrinkUtilisation; }
        public Duration getAcquireWaitThreshold() { return acquireWaitThreshold; }
        public void setAcquireWaitThreshold(Duration acquireWaitThreshold) { this.acquireWaitThreshold = acquireWaitThreshold; }
        public Integer getRequestsPerConnection() { return requestsPerConnection; }
        public void setRequestsPerConnection(Integer requestsPerConnection) { this.requestsPerConnection = requestsPerConnection; }
        public Integer getMaxStepUp() { return maxStepUp; }
        public void setMaxStepUp(Integer maxStepUp) { this.maxStepUp = maxStepUp; }
        public Integer getMaxStepDown() { return maxStepDown; }
        public void setMaxStepDown(Integer maxStepDown) { this.maxStepDown = maxStepDown; }
        public Duration getGrowCooldown() { return growCooldown; }
        public void setGrowCooldown(Duration growCooldown) { this.growCooldown = growCooldown; }
        public Duration getShrinkCooldown() { return shrinkCooldown; }
        public void setShrinkCooldown(Duration shrinkCooldown) { this.shrinkCooldown = shrinkCooldown; }
    }

    /** The broker that carries broadcasts between instances. */
    public static class Broker {
        private final Redis redis = new Redis();

        public Redis getRedis() { return redis; }
    }

    /** The Redis broker; off unless {@code uri}, {@code sentinel.master} or {@code cluster.nodes} is set. */
    public static class Redis {
        /**
         * redis://HOST:PORT of the Redis server, or redis-sentinel://HOST:PORT[,HOST:PORT]#MASTER; unset (and no
         * sentinel or cluster): in-process broker (one instance).
         */
        private String uri;
        /** Prefix of the Redis channels and keys, to share one Redis between applications. */
        private String channelPrefix;
        private final Sentinel sentinel = new Sentinel();
        private final Cluster cluster = new Cluster();

        public String getUri() { return uri; }
        public void setUri(String uri) { this.uri = uri; }
        public String getChannelPrefix() { return channelPrefix; }
        public void setChannelPrefix(String channelPrefix) { this.channelPrefix = channelPrefix; }
        public Sentinel getSentinel() { return sentinel; }
        public Cluster getCluster() { return cluster; }
    }

    /** The master that Redis Sentinel watches; the broker follows it through failovers. */
    public static class Sentinel {
        /** Name of the master the Sentinels watch (their "sentinel monitor NAME ..."). */
        private String master;
        /** The Sentinels, HOST:PORT each (26379 is theirs by default). */
        private List<String> nodes = new ArrayList<>();
        /** Password of the Redis master and replicas (not of the Sentinels); unset: none. */
        private String password;

        public String getMaster() { return master; }
        public void setMaster(String master) { this.master = master; }
        public List<String> getNodes() { return nodes; }
        public void setNodes(List<String> nodes) { this.nodes = nodes; }
        public String getPassword() { return password; }
        public void setPassword(String password) { this.password = password; }
    }

    /** A Redis Cluster: sharded pub/sub, each topic and its history on its slot's shard. */
    public static class Cluster {
        /** Seed nodes, HOST:PORT or redis://HOST:PORT each; the rest of the cluster is discovered. */
        private List<String> nodes = new ArrayList<>();

        public List<String> getNodes() { return nodes; }
        public void setNodes(List<String> nodes) { this.nodes = nodes; }
    }

    /** Topic history for recovery after reconnects. */
    public static class History {
        /** Messages kept per topic; 0 turns history off. */
        private int size;
        /** How long a message is kept. Default 10m. */
        private Duration ttl;

        public int getSize() { return size; }
        public void setSize(int size) { this.size = size; }
        public Duration getTtl() { return ttl; }
        public void setTtl(Duration ttl) { this.ttl = ttl; }
    }
}
