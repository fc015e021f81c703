package io.reactivewspool.broker.redis;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.reactivewspool.WsException;
import io.reactivewspool.broker.BrokerContract;
import io.reactivewspool.broker.BrokerMessage;
import io.reactivewspool.broker.BrokerMessage.Kind;
import io.reactivewspool.test.ClassResource;
import io.reactivewspool.testsupport.RedisServerProcess;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The {@link BrokerContract} on {@link RedisBroker} and one real redis-server (each test on its
 * own channel prefix), and what only the Redis broker promises: its frame, its counters, its
 * connect errors and options.
 */
class RedisBrokerIT extends RedisBrokerContract {

    @RegisterExtension
    static final ClassResource<RedisServerProcess> redis = ClassResource.of(RedisServerProcess::start);

    RedisBrokerIT() {
        super("contract");
    }

    @Override
    protected RedisBrokerOptions.Builder options() {
        return RedisBrokerOptions.builder(redis.get().uri());
    }

    @Override
    protected boolean interruptCluster() {
        redis.get().kill();
        return true;
    }

    @Override
    protected void restoreCluster() {
        if (!redis.get().isRunning()) {
            redis.get().restart();
        }
    }

    private RedisBroker redisBroker(String nodeId) {
        return (RedisBroker) connect(nodeId);
    }

    // ------------------------------------------------------------------ Redis only

    @Test
    void aNodeOnSeveralChannelsOfOneMessageKeepsOneCopyAndCountsTheRest() {
        RedisBroker a = redisBroker("node-a");
        RedisBroker b = redisBroker("node-b");
        List<BrokerMessage> atB = new CopyOnWriteArrayList<>();
        Disposable in = b.inbound().subscribe(atB::add);
        Disposable own = a.inbound().subscribe();
        try {
            a.interest("x", true).block(T);
            for (String t : List.of("x", "y", "z")) {
                b.interest(t, true).block(T);
            }
            a.publish(new BrokerMessage(Kind.TOPIC, List.of("x", "y", "z", "w"), "{}".getBytes(StandardCharsets.UTF_8),
                    "node-a", Set.of())).block(T);
            a.publish(new BrokerMessage(Kind.TOPIC, "x", "{}".getBytes(StandardCharsets.UTF_8), "node-a", Set.of())).block(T);

            await().atMost(T).until(() -> atB.size() == 2);
            assertThat(b.stats().duplicatesDropped()).isEqualTo(2);
            assertThat(b.stats().received()).isEqualTo(2);
            assertThat(b.stats().topicChannels()).isEqualTo(3);
            assertThat(a.stats().published()).isEqualTo(2);
            await().atMost(T).until(() -> a.stats().ownIgnored() == 2);
            b.interest("y", false).block(T);
            assertThat(b.stats().topicChannels()).isEqualTo(2);
        } finally {
            own.dispose();
            in.dispose();
            a.close().block(T);
            b.close().block(T);
        }
    }

    @Test
    void framesOfANodeNotYetUpgradedAndMalformedFramesDoNotStopTheInbound() {
        RedisBroker b = redisBroker("node-b");
        List<BrokerMessage> atB = new CopyOnWriteArrayList<>();
        Disposable in = b.inbound().subscribe(atB::add);
        RedisClient raw = RedisClient.create(redis.get().uri());
        try (StatefulRedisConnection<byte[], byte[]> c = raw.connect(ByteArrayCodec.INSTANCE)) {
            await().atMost(T).until(b::isConnected);
            byte[] userChannel = (prefix + ":u").getBytes(StandardCharsets.UTF_8);
            c.sync().publish(userChannel, new byte[] {9, 9, 9});
            c.sync().publish(userChannel, new byte[] {2, 1, 0, 0, 0, 1});
            c.sync().publish(userChannel, version1Frame("node-old", "cn=ann,ou=ops", "{\"type\":\"dm\"}"));

            await().atMost(T).until(() -> atB.size() == 1);
            assertThat(atB.get(0).targets()).as("a version 1 target is one user, never split")
                    .containsExactly("cn=ann,ou=ops");
            assertThat(atB.get(0).originNodeId()).isEqualTo("node-old");
            assertThat(b.stats().malformed()).isEqualTo(2);
            assertThat(b.isConnected()).isTrue();
        } finally {
            in.dispose();
            b.close().block(T);
            raw.shutdown();
        }
    }

    /** A frame as brokers before version 2 wrote it: 2-byte lengths and one target string. */
    private static byte[] version1Frame(String origin, String target, String payload) {
        byte[] o = origin.getBytes(StandardCharsets.UTF_8);
        byte[] t = target.getBytes(StandardCharsets.UTF_8);
        byte[] p = payload.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(2 + 2 + o.length + 2 + t.length + 2 + p.length);
        b.put((byte) 1).put((byte) Kind.USER.ordinal());
        b.putShort((short) o.length).put(o).putShort((short) t.length).put(t).putShort((short) 0).put(p);
        return b.array();
    }

    @Test
    void aBrokerThatNothingConsumesSaysItIsNotConnected() {
        RedisBroker a = redisBroker("node-a");
        try {
            assertThat(a.isConnected()).isFalse();
            Disposable in = a.inbound().subscribe();
            assertThat(a.isConnected()).isTrue();
            in.dispose();
            assertThat(a.isConnected()).isFalse();
        } finally {
            a.close().block(T);
        }
    }

    @Test
    void publishWhileRedisIsDownFailsFastNamingTheServerAndIsCounted() {
        RedisBroker a = redisBroker("node-a");
        try {
            redis.get().kill();
            await().atMost(T).until(() -> !a.isConnected());
            assertThatThrownBy(() -> a.publish(new BrokerMessage(Kind.TOPIC, "prices", new byte[] {'{', '}'},
                    "node-a", Set.of())).block(T))
                    .isInstanceOf(WsException.class)
                    .hasMessageContaining("could not publish").hasMessageContaining("127.0.0.1:" + redis.get().port());
            assertThat(a.stats().publishFailed()).isEqualTo(1);
        } finally {
            restoreCluster();
            a.close().block(T);
        }
    }

    @Test
    void unreachableRedisFailsConnectWithAClearError() {
        int port = redis.get().port();
        redis.get().kill();
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
