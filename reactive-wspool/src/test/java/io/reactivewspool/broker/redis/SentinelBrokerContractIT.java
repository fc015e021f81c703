package io.reactivewspool.broker.redis;

import io.reactivewspool.broker.BrokerContract;
import io.reactivewspool.test.RedisSentinelProcesses;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The {@link BrokerContract} on {@link RedisBroker} through a {@code redis-sentinel://} URI: a
 * master, a replica and three Sentinels (each test on its own channel prefix). The outage test
 * stops the master and the replica together (no failover can happen) and starts them again.
 */
class SentinelBrokerContractIT extends RedisBrokerContract {

    private static RedisSentinelProcesses redis;

    SentinelBrokerContractIT() {
        super("sentinel");
    }

    @BeforeAll
    static void startRedis() {
        redis = RedisSentinelProcesses.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @Override
    protected RedisBrokerOptions.Builder options() {
        return RedisBrokerOptions.builder(redis.uri());
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
