package io.reactivewspool.broker.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import io.reactivewspool.WsException;
import io.reactivewspool.broker.BrokerMessage;
import io.reactivewspool.broker.BrokerMessage.Kind;
import io.reactivewspool.test.RedisServerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class RedisBrokerIT {

    private static final Duration T = Duration.ofSeconds(10);

    private RedisServerProcess redis;
    private RedisBroker a;
    private RedisBroker b;
    private final List<BrokerMessage> atA = new CopyOnWriteArrayList<>();
    private final List<BrokerMessage> atB = new CopyOnWriteArrayList<>();
    private Disposable inA;
    private Disposable inB;

    @BeforeEach
    void start() {
        redis = RedisServerProcess.start();
        a = RedisBroker.connect(RedisBrokerOptions.builder(redis.uri()).nodeId("node-a").build()).block(T);
        b = RedisBroker.connect(RedisBrokerOptions.builder(redis.uri()).nodeId("node-b").build()).block(T);
        inA = a.inbound().subscribe(atA::add);
        inB = b.inbound().subscribe(atB::add);
    }

    @AfterEach
    void stop() {
        inA.dispose();
        inB.dispose();
        a.close().block(T);
        b.close().block(T);
        redis.close();
    }

    @Test
    void topicMessageReachesOtherNodeWithPayloadUntouchedAndNotItsOrigin() {
        b.interest("prices", true).block(T);
        byte[] payload = "{\"type\":\"tick\",\"topic\":\"prices\"}".getBytes(StandardCharsets.UTF_8);

        a.publish(new BrokerMessage(Kind.TOPIC, "prices", payload, "node-a", Set.of("conn-1"))).block(T);

        await().atMost(T).until(() -> atB.size() == 1);
        BrokerMessage got = atB.get(0);
        assertThat(got.kind()).isEqualTo(Kind.TOPIC);
        assertThat(got.target()).isEqualTo("prices");
        assertThat(got.payload()).isEqualTo(payload);
        assertThat(got.originNodeId()).isEqualTo("node-a");
        assertThat(got.excludedConnectionIds()).containsExactly("conn-1");
        assertThat(atA).isEmpty();
    }

    @Test
    void nodeIgnoresItsOwnMessages() {
        a.interest("prices", true).block(T);
        b.interest("prices", true).block(T);

        a.publish(new BrokerMessage(Kind.TOPIC, "prices", new byte[] {'{', '}'}, "node-a", Set.of())).block(T);

        await().atMost(T).until(() -> atB.size() == 1);
        await().atMost(T).until(() -> a.stats().ownIgnored() == 1);
        assertThat(atA).isEmpty();
    }

    @Test
    void nodeHearsATopicOnlyWhileItHasInterest() {
        byte[] payload = "{}".getBytes(StandardCharsets.UTF_8);
        a.publish(new BrokerMessage(Kind.TOPIC, "news", payload, "node-a", Set.of())).block(T);

        b.interest("news", true).block(T);
        assertThat(b.stats().topicChannels()).isEqualTo(1);
        a.publish(new BrokerMessage(Kind.TOPIC, "news", payload, "node-a", Set.of())).block(T);
        await().atMost(T).until(() -> atB.size() == 1);

        b.interest("news", false).block(T);
        assertThat(b.stats().topicChannels()).isZero();
        a.publish(new BrokerMessage(Kind.TOPIC, "news", payload, "node-a", Set.of())).block(T);
        // Control messages travel on a channel every node hears: once B has this one, the earlier publish has passed it.
        a.publish(new BrokerMessage(Kind.CONTROL, "", payload, "node-a", Set.of())).block(T);
        await().atMost(T).until(() -> atB.stream().anyMatch(m -> m.kind() == Kind.CONTROL));
        assertThat(atB).filteredOn(m -> m.kind() == Kind.TOPIC).hasSize(1);
    }

    @Test
    void userAndControlMessagesReachEveryOtherNode() {
        a.publish(new BrokerMessage(Kind.USER, "alice", "{}".getBytes(StandardCharsets.UTF_8), "node-a", Set.of())).block(T);
        a.publish(new BrokerMessage(Kind.CONTROL, "", "{\"op\":\"x\"}".getBytes(StandardCharsets.UTF_8), "node-a", Set.of())).block(T);

        await().atMost(T).until(() -> atB.size() == 2);
        assertThat(atB).extracting(BrokerMessage::kind).containsExactly(Kind.USER, Kind.CONTROL);
        assertThat(atB.get(0).target()).isEqualTo("alice");
    }

    @Test
    void publishFailsFastWhileRedisIsDownAndSubscriptionsComeBackWhenItReturns() {
        b.interest("prices", true).block(T);
        byte[] payload = "{}".getBytes(StandardCharsets.UTF_8);

        redis.kill();
        await().atMost(T).until(() -> !a.isConnected() && !b.isConnected());
        StepVerifier.create(a.publish(new BrokerMessage(Kind.TOPIC, "prices", payload, "node-a", Set.of())))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(WsException.class)
                        .hasMessageContaining("could not publish").hasMessageContaining("127.0.0.1:" + redis.port()))
                .verify(T);
        assertThat(a.stats().publishFailed()).isEqualTo(1);

        redis.restart();
        await().atMost(Duration.ofSeconds(30)).until(() -> a.isConnected() && b.isConnected());
        // Lettuce re-subscribes on reconnect; publish until B hears one, bounded by the wait.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
            a.publish(new BrokerMessage(Kind.TOPIC, "prices", payload, "node-a", Set.of()))
                    .onErrorResume(e -> reactor.core.publisher.Mono.empty()).block(T);
            return !atB.isEmpty();
        });
        assertThat(atB.get(0).target()).isEqualTo("prices");
    }

    @Test
    void unreachableRedisFailsConnectWithAClearError() {
        int port = redis.port();
        redis.kill();
        assertThatThrownBy(() -> RedisBroker.connect(RedisBrokerOptions.builder("redis://127.0.0.1:" + port).build()).block(T))
                .isInstanceOf(WsException.class)
                .hasMessageContaining("could not connect to 127.0.0.1:" + port)
                .hasMessageContaining("redis-server");
    }

    @Test
    void badOptionsNameTheField() {
        assertThatThrownBy(() -> RedisBrokerOptions.builder("http://x"))
                .hasMessageContaining("uri must look like redis://HOST:PORT");
        assertThatThrownBy(() -> RedisBrokerOptions.builder("redis://h:1").channelPrefix("a b"))
                .hasMessageContaining("channelPrefix");
        assertThatThrownBy(() -> RedisBrokerOptions.builder("redis://h:1").commandTimeout(Duration.ZERO))
                .hasMessage("commandTimeout must be > 0, was PT0S");
        assertThatThrownBy(() -> RedisBrokerOptions.builder("redis://:secret@h:1").channelPrefix(""))
                .hasMessageNotContaining("secret");
    }
}
