package io.reactivewspool.test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import io.reactivewspool.testsupport.RedisServerProcess;

/**
 * A real Sentinel setup on loopback, for tests: a master, one replica of it and three Sentinels
 * watching it under {@link #MASTER_NAME} with a quorum of two, tuned to fail over fast
 * ({@code down-after-milliseconds} {@value #DOWN_AFTER_MS}, {@code failover-timeout}
 * {@value #FAILOVER_TIMEOUT_MS}). {@link #close()} kills every process.
 *
 * <pre>{@code
 * try (RedisSentinelProcesses redis = RedisSentinelProcesses.start()) {
 *     String uri = redis.uri();     // redis-sentinel://127.0.0.1:S1,127.0.0.1:S2,127.0.0.1:S3#wspool-master
 *     redis.killMaster();           // SIGKILL
 *     redis.awaitFailover();        // the Sentinels name the replica as the master
 * }
 * }</pre>
 */
public final class RedisSentinelProcesses implements AutoCloseable {

    public static final String MASTER_NAME = "wspool-master";
    static final int DOWN_AFTER_MS = 1_000;
    static final int FAILOVER_TIMEOUT_MS = 3_000;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    private final RedisServerProcess master;
    private final RedisServerProcess replica;
    private final List<RedisServerProcess> sentinels;

    private RedisSentinelProcesses(RedisServerProcess master, RedisServerProcess replica, List<RedisServerProcess> sentinels) {
        this.master = master;
        this.replica = replica;
        this.sentinels = sentinels;
    }

    /** Starts the master, the replica and the Sentinels, and waits until every Sentinel knows the replica and the other two. */
    public static RedisSentinelProcesses start() {
        List<RedisServerProcess> started = new ArrayList<>();
        try {
            RedisServerProcess master = RedisServerProcess.start();
            started.add(master);
            RedisServerProcess replica = RedisServerProcess.start(List.of("--replicaof", "127.0.0.1",
                    Integer.toString(master.port())));
            started.add(replica);
            await("the replica to sync", () -> replica.command("INFO", "replication").contains("master_link_status:up"));
            String config = "sentinel resolve-hostnames no\n"
                    + "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + master.port() + " 2\n"
                    + "sentinel down-after-milliseconds " + MASTER_NAME + " " + DOWN_AFTER_MS + "\n"
                    + "sentinel failover-timeout " + MASTER_NAME + " " + FAILOVER_TIMEOUT_MS + "\n"
                    + "sentinel parallel-syncs " + MASTER_NAME + " 1\n";
            List<RedisServerProcess> sentinels = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                RedisServerProcess s = RedisServerProcess.startSentinel(config);
                started.add(s);
                sentinels.add(s);
            }
            for (RedisServerProcess s : sentinels) {
                await("sentinel " + s.port() + " to know the replica and two other sentinels", () -> {
                    String info = s.command("SENTINEL", "MASTER", MASTER_NAME);
                    return info.contains("num-slaves\n1\n") && info.contains("num-other-sentinels\n2\n");
                });
            }
            return new RedisSentinelProcesses(master, replica, List.copyOf(sentinels));
        } catch (RuntimeException e) {
            started.forEach(RedisServerProcess::close);
            throw e;
        }
    }

    /** {@code redis-sentinel://127.0.0.1:S1,127.0.0.1:S2,127.0.0.1:S3#wspool-master}. */
    public String uri() {
        return "redis-sentinel://" + sentinels.stream().map(s -> "127.0.0.1:" + s.port())
                .collect(Collectors.joining(",")) + "#" + MASTER_NAME;
    }

    /** The Sentinels' addresses, {@code 127.0.0.1:PORT}. */
    public List<String> sentinelAddresses() {
        return sentinels.stream().map(s -> "127.0.0.1:" + s.port()).toList();
    }

    public RedisServerProcess master() {
        return master;
    }

    public RedisServerProcess replica() {
        return replica;
    }

    /** The port the first Sentinel that answers names as the master's. */
    public int masterPort() {
        for (RedisServerProcess s : sentinels) {
            String[] addr = s.command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME).trim().split("\\s+");
            if (addr.length == 2) {
                return Integer.parseInt(addr[1]);
            }
        }
        throw new IllegalStateException("no sentinel names a master for " + MASTER_NAME);
    }

    /** Kills the current master with SIGKILL, as a crash would. */
    public void killMaster() {
        master.kill();
    }

    /** Waits until every Sentinel names the replica as the master and the replica says it is one. */
    public void awaitFailover() {
        await("the sentinels to promote the replica", () -> sentinels.stream().allMatch(s ->
                s.command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME).contains(Integer.toString(replica.port())))
                && replica.command("ROLE").startsWith("master"));
    }

    @Override
    public void close() {
        sentinels.forEach(RedisServerProcess::close);
        replica.close();
        master.close();
    }

    private static void await(String what, BooleanSupplier done) {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("waited " + READY_TIMEOUT + " for " + what);
            }
            RedisClusterProcesses.pause(50);
        }
    }
}
