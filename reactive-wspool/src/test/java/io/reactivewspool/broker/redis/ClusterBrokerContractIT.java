package io.reactivewspool.broker.redis;

import io.reactivewspool.broker.BrokerContract;
import io.reactivewspool.test.RedisClusterProcesses;
import io.reactivewspool.testsupport.RedisServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The {@link BrokerContract} on {@link RedisBroker} over a three-master Redis Cluster made with
 * {@code redis-cli --cluster create} (each test on its own channel prefix): sharded pub/sub, and
 * each topic's history on its channel's shard. The outage test stops every master and starts them
 * again (each rejoins from its nodes.conf).
 */
class ClusterBrokerContractIT extends RedisBrokerContract {

    private static RedisClusterProcesses cluster;

    ClusterBrokerContractIT() {
        super("contract");
    }

    @BeforeAll
    static void startCluster() {
        cluster = RedisClusterProcesses.start();
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    @Override
    protected RedisBrokerOptions.Builder options() {
        return RedisBrokerOptions.cluster(cluster.uris());
    }

    @Override
    protected boolean interruptCluster() {
        cluster.masters().forEach(RedisServerProcess::kill);
        return true;
    }

    @Override
    protected void restoreCluster() {
        if (cluster.masters().stream().anyMatch(m -> !m.isRunning())) {
            cluster.masters().stream().filter(m -> !m.isRunning()).forEach(RedisServerProcess::restart);
            cluster.awaitHealthy();
        }
    }
}
