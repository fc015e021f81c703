package io.reactivewspool.broker.redis;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import io.reactivewspool.broker.Broker;
import io.reactivewspool.broker.BrokerContract;
import io.reactivewspool.history.HistoryOptions;
import io.reactivewspool.history.TopicHistory;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.test.RedisSentinelProcesses;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The {@link BrokerContract} on {@link RedisBroker} through a {@code redis-sentinel://} URI: a
 * master, a replica and three Sentinels (each test on its own channel prefix). The outage test
 * stops the master and the replica together (no failover can happen) and starts them again.
 */
class SentinelBrokerContractIT extends BrokerContract {

    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private static RedisSentinelProcesses redis;

    private final String prefix = "sentinel" + PREFIXES.incrementAndGet();

    @BeforeAll
    static void startRedis() {
        redis = RedisSentinelProcesses.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @Override
    protected Broker connect(String nodeId) {
        return RedisBroker.connect(RedisBrokerOptions.builder(redis.uri()).nodeId(nodeId).channelPrefix(prefix)
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
        redis.replica().kill();
        redis.master().kill();
        return true;
    }

    @Override
    protected void restoreCluster() {
        if (!redis.master().isRunning()) {
            redis.master().restart();
        }
        if (!redis.replica().isRunning()) {
            redis.replica().restart();
        }
    }
}
