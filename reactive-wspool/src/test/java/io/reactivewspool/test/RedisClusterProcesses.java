package io.reactivewspool.test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.reactivewspool.testsupport.RedisServerProcess;

/**
 * A real Redis Cluster of three masters on loopback, for tests: three {@code redis-server}
 * processes with {@code cluster-enabled yes}, each on a free port in its own temporary directory,
 * joined with {@code redis-cli --cluster create … --cluster-yes}. {@link #close()} kills them.
 *
 * <pre>{@code
 * try (RedisClusterProcesses cluster = RedisClusterProcesses.start()) {
 *     List<String> nodes = cluster.uris(); // redis://127.0.0.1:PORT, one per master
 * }
 * }</pre>
 */
public final class RedisClusterProcesses implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    private final List<RedisServerProcess> masters;

    private RedisClusterProcesses(List<RedisServerProcess> masters) {
        this.masters = masters;
    }

    /** Starts three masters, creates the cluster and waits until every node reports {@code cluster_state:ok}. */
    public static RedisClusterProcesses start() {
        List<RedisServerProcess> masters = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                masters.add(RedisServerProcess.start(List.of("--cluster-enabled", "yes",
                        "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000")));
            }
            List<String> cmd = new ArrayList<>(List.of(RedisServerProcess.cli(), "--cluster", "create"));
            masters.forEach(m -> cmd.add("127.0.0.1:" + m.port()));
            cmd.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
            String out = RedisServerProcess.run(cmd, READY_TIMEOUT);
            if (!out.contains("All 16384 slots covered")) {
                throw new IllegalStateException("redis-cli --cluster create did not cover every slot: " + out);
            }
            RedisClusterProcesses cluster = new RedisClusterProcesses(List.copyOf(masters));
            cluster.awaitHealthy();
            return cluster;
        } catch (RuntimeException e) {
            masters.forEach(RedisServerProcess::close);
            throw e;
        }
    }

    /** One {@code redis://127.0.0.1:PORT} per master, the seed nodes a client needs. */
    public List<String> uris() {
        return masters.stream().map(RedisServerProcess::uri).toList();
    }

    /** Waits until every master reports {@code cluster_state:ok} (after creation, or after restarts). */
    public void awaitHealthy() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (!masters.stream().allMatch(m -> m.command("CLUSTER", "INFO").contains("cluster_state:ok"))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the cluster did not reach cluster_state:ok within " + READY_TIMEOUT);
            }
            pause(50);
        }
    }

    public List<RedisServerProcess> masters() {
        return masters;
    }

    @Override
    public void close() {
        masters.forEach(RedisServerProcess::close);
    }

    static void pause(long millis) {
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
