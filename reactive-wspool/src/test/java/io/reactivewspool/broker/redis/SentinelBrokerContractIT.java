package io.reactivewspool.broker.redis;

import io.reactivewspool.broker.BrokerContract;
import io.reactivewspool.test.ClassResource;
import io.reactivewspool.test.RedisSentinelProcesses;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The {@link BrokerContract} on {@link RedisBroker} through a {@code redis-sentinel://} URI: a
 * master, a replica and three Sentinels (each test on its own channel prefix). The outage test
 * stops the master and the replica together (no failover can happen) and starts them again.
 */
class SentinelBrokerContractIT extends RedisBrokerContract {

    @RegisterExtension
    static final ClassResource<RedisSentinelProcesses> redis = ClassResource.of(RedisSentinelProcesses::start);

    SentinelBrokerContractIT() {
        super("sentinel");
    }

    @Override
    protected RedisBrokerOptions.Builder options() {
        return RedisBrokerOptions.builder(redis.get().uri());
    }

    @Override
    protected boolean interruptCluster() {
        redis.get().replica().kill();
        redis.get().master().kill();
        return true;
    }

    @Override
    protected void restoreCluster() {
        if (!redis.get().master().isRunning()) {
            redis.get().master().restart();
        }
        if (!redis.get().replica().isRunning()) {
            redis.get().replica().restart();
        }
    }
}
