package io.reactivewspool.broker.redis;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.reactivewspool.broker.Broker;
import io.reactivewspool.broker.BrokerContract;
import io.reactivewspool.history.HistoryOptions;
import io.reactivewspool.history.TopicHistory;
import io.reactivewspool.message.WsCodec;

/**
 * The {@link BrokerContract} on {@link RedisBroker}, whatever the Redis topology: a subclass says
 * where Redis is ({@link #options()}) and how to interrupt and restore it; each test runs on its own
 * channel prefix.
 */
abstract class RedisBrokerContract extends BrokerContract {

    private static final Map<String, AtomicInteger> PREFIXES = new ConcurrentHashMap<>();

    /**
     * This test's channel prefix: the base name the subclass gives, numbered per base name
     * (RedisBrokerIT and ClusterBrokerContractIT share "contract").
     */
    protected final String prefix;

    protected RedisBrokerContract(String prefixBase) {
        this.prefix = prefixBase + PREFIXES.computeIfAbsent(prefixBase, k -> new AtomicInteger()).incrementAndGet();
    }

    /** The broker options of the Redis under test (a URI, or a cluster's seed nodes). */
    protected abstract RedisBrokerOptions.Builder options();

    @Override
    protected Broker connect(String nodeId) {
        return RedisBroker.connect(options().nodeId(nodeId).channelPrefix(prefix)
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
}
