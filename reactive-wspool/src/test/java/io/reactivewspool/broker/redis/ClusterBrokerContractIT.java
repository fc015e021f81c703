package io.reactivewspool.broker.redis;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import io.reactivewspool.broker.Broker;
import io.reactivewspool.broker.BrokerContract;
import io.reactivewspool.history.HistoryOptions;
import io.reactivewspool.history.TopicHistory;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.test.RedisClusterProcesses;
import io.reactivewspool.test.RedisServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The {@link BrokerContract} on {@link RedisBroker} over a three-master Redis Cluster made with
 * {@code redis-cli --cluster create} (each test on its own channel prefix): sharded pub/sub, and
 * each topic's history on its channel's shard. The outage test stops every master and starts them
 * again (each rejoins from its nodes.conf).
 */
class ClusterBrokerContractIT extends BrokerContract {

    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private static RedisClusterProcesses cluster;

    private final String prefix = "cluster" + PREFIXES.incrementAndGet();

    @BeforeAll
    static void startCluster() {
        cluster = RedisClusterProcesses.start();
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    @Override
    protected Broker connect(String nodeId) {
        return RedisBroker.connect(RedisBrokerOptions.cluster(cluster.uris()).nodeId(nodeId).channelPrefix(prefix)
                .commandTimeout(Duration.ofSeconds(3)).build()).block(T);
    }

    @Override
    protected int maxNodes() {
        return Integer.MAX_VALUE;
    }

    @Override
    protected TopicHistory history(Broker broker, HistoryOptions options) {
        return ((RedisBroker) broker).history(options, WsCodec.json());
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
