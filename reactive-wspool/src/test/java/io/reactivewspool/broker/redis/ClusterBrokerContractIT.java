package io.reactivewspool.broker.redis;

import io.reactivewspool.broker.BrokerContract;
import io.reactivewspool.test.ClassResource;
import io.reactivewspool.test.RedisClusterProcesses;
import io.reactivewspool.testsupport.RedisServerProcess;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The {@link BrokerContract} on {@link RedisBroker} over a three-master Redis Cluster made with
 * {@code redis-cli --cluster create} (each test on its own channel prefix): sharded pub/sub, and
 * each topic's history on its channel's shard. The outage test stops every master and starts them
 * again (each rejoins from its nodes.conf).
 */
class ClusterBrokerContractIT extends RedisBrokerContract {

    @RegisterExtension
    static final ClassResource<RedisClusterProcesses> cluster = ClassResource.of(RedisClusterProcesses::start);

    ClusterBrokerContractIT() {
        super("contract");
    }

    @Override
    protected RedisBrokerOptions.Builder options() {
        return RedisBrokerOptions.cluster(cluster.get().uris());
    }

    @Override
    protected boolean interruptCluster() {
        cluster.get().masters().forEach(RedisServerProcess::kill);
        return true;
    }

    @Override
    protected void restoreCluster() {
        if (cluster.get().masters().stream().anyMatch(m -> !m.isRunning())) {
            cluster.get().masters().stream().filter(m -> !m.isRunning()).forEach(RedisServerProcess::restart);
            cluster.get().awaitHealthy();
        }
    }
}
