package io.reactivewspool.spring;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import io.reactivewspool.broker.BrokerMessage;
import io.reactivewspool.broker.redis.RedisBroker;
import io.reactivewspool.broker.redis.RedisBrokerOptions.Topology;
import io.reactivewspool.history.TopicHistory;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.test.RedisClusterProcesses;
import io.reactivewspool.test.RedisSentinelProcesses;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code wspool.broker.redis.sentinel.*} and {@code wspool.broker.redis.cluster.nodes} give the
 * Redis broker of that topology, connected to real processes, with its history there; two
 * topologies at once stop startup with a message naming both.
 */
class SpringRedisTopologyIT {

    private static final Duration T = Duration.ofSeconds(10);

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(WsBrokerAutoConfiguration.class));

    @Test
    void sentinelPropertiesGiveABrokerOnTheMasterTheSentinelsName() {
        try (RedisSentinelProcesses redis = RedisSentinelProcesses.start()) {
            runner.withPropertyValues("wspool.broker.redis.sentinel.master=" + RedisSentinelProcesses.MASTER_NAME,
                            "wspool.broker.redis.sentinel.nodes=" + String.join(",", redis.sentinelAddresses()),
                            "wspool.history.size=10")
                    .run(ctx -> {
                        assertThat(ctx).hasNotFailed();
                        RedisBroker broker = ctx.getBean(RedisBroker.class);
                        assertThat(broker.options().topology()).isEqualTo(Topology.SENTINEL);
                        assertThat(broker.options().uri()).isEqualTo(redis.uri());
                        assertWorks(broker, ctx.getBean(TopicHistory.class));
                        assertThat(redis.master().command("EXISTS", "wspool:h:spring").trim())
                                .as("the history is on the master").isEqualTo("1");
                    });
        }
    }

    @Test
    void clusterNodesGiveAClusterBrokerWithShardedChannels() {
        try (RedisClusterProcesses cluster = RedisClusterProcesses.start()) {
            runner.withPropertyValues("wspool.broker.redis.cluster.nodes=" + String.join(",",
                            cluster.masters().stream().map(m -> "127.0.0.1:" + m.port()).toList()),
                            "wspool.history.size=10")
                    .run(ctx -> {
                        assertThat(ctx).hasNotFailed();
                        RedisBroker broker = ctx.getBean(RedisBroker.class);
                        assertThat(broker.options().topology()).isEqualTo(Topology.CLUSTER);
                        assertThat(broker.options().clusterNodes()).containsExactlyElementsOf(cluster.uris());
                        assertWorks(broker, ctx.getBean(TopicHistory.class));
                        String slot = cluster.masters().get(0).command("CLUSTER", "KEYSLOT", "wspool:h:{spring}").trim();
                        assertThat(cluster.masters().get(0).command("CLUSTER", "KEYSLOT", "wspool:t:{spring}").trim())
                                .as("a topic's channel and history share a slot").isEqualTo(slot);
                        assertThat(cluster.masters().stream().mapToInt(m -> Integer.parseInt(
                                m.command("CLUSTER", "COUNTKEYSINSLOT", slot).trim())).sum())
                                .as("the history stream, counter, epoch and replication id in that slot").isEqualTo(4);
                    });
        }
    }

    @Test
    void twoTopologiesAtOnceStopStartupNamingBoth() {
        runner.withPropertyValues("wspool.broker.redis.uri=redis://127.0.0.1:1",
                        "wspool.broker.redis.cluster.nodes=127.0.0.1:2")
                .run(ctx -> assertThat(ctx).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("set only one of uri, sentinel.master and cluster.nodes"));
        runner.withPropertyValues("wspool.broker.redis.sentinel.master=mymaster")
                .run(ctx -> assertThat(ctx).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("sentinel.nodes must name the Sentinels"));
    }

    private static void assertWorks(RedisBroker broker, TopicHistory history) {
        broker.publish(new BrokerMessage(BrokerMessage.Kind.TOPIC, List.of("spring"),
                "{}".getBytes(StandardCharsets.UTF_8), broker.nodeId(), Set.of())).block(T);
        assertThat(broker.stats().published()).isEqualTo(1);
        WsMessage stored = history.append("spring", WsMessage.data("spring", 1)).block(T);
        assertThat(history.since("spring", stored.offset()).block(T).recovered()).isTrue();
    }
}
