package io.reactivewspool.broker.redis;

import java.time.Duration;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.reactivewspool.WsProtocolException;
import io.reactivewspool.history.HistoryOptions;
import io.reactivewspool.history.TopicHistory;
import io.reactivewspool.history.TopicHistory.Replay;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.testsupport.RedisServerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class RedisTopicHistoryIT {

    private static final Duration T = Duration.ofSeconds(10);
    private static final HistoryOptions OPTIONS = HistoryOptions.builder().size(5).ttl(Duration.ofMinutes(1)).build();

    private RedisServerProcess redis;
    private RedisBroker nodeA;
    private RedisBroker nodeB;
    private TopicHistory historyA;
    private TopicHistory historyB;

    @BeforeEach
    void start() {
        redis = RedisServerProcess.start();
        nodeA = RedisBroker.connect(RedisBrokerOptions.builder(redis.uri()).build()).block(T);
        nodeB = RedisBroker.connect(RedisBrokerOptions.builder(redis.uri()).build()).block(T);
        historyA = nodeA.history(OPTIONS, WsCodec.json());
        historyB = nodeB.history(OPTIONS, WsCodec.json());
    }

    @AfterEach
    void stop() {
        nodeA.close().block(T);
        nodeB.close().block(T);
        redis.close();
    }

    @Test
    void nodesShareOneOrderedOffsetSequencePerTopic() {
        String o1 = historyA.append("prices", WsMessage.data("prices", 1)).block(T).offset();
        String o2 = historyB.append("prices", WsMessage.data("prices", 2)).block(T).offset();
        String o3 = historyA.append("prices", WsMessage.data("prices", 3)).block(T).offset();

        assertThat(o1).endsWith(":1");
        assertThat(o2).endsWith(":2");
        assertThat(o3).endsWith(":3");

        Replay fromB = historyB.since("prices", o1).block(T);
        assertThat(fromB.recovered()).isTrue();
        assertThat(fromB.messages()).extracting(m -> m.data().asInt()).containsExactly(2, 3);
        assertThat(fromB.messages()).extracting(WsMessage::offset).containsExactly(o2, o3);
        assertThat(fromB.offset()).isEqualTo(o3);
    }

    @Test
    void upToDateOffsetHasNothingMissing() {
        String last = historyA.append("t", WsMessage.data("t", "x")).block(T).offset();
        Replay r = historyA.since("t", last).block(T);
        assertThat(r.recovered()).isTrue();
        assertThat(r.messages()).isEmpty();
    }

    @Test
    void gapBeyondTheCapIsNotRecovered() {
        String first = historyA.append("t", WsMessage.data("t", 0)).block(T).offset();
        for (int i = 1; i <= 6; i++) {
            historyA.append("t", WsMessage.data("t", i)).block(T);
        }
        Replay r = historyA.since("t", first).block(T);
        assertThat(r.recovered()).isFalse();
        assertThat(r.messages()).isEmpty();
    }

    @Test
    void historyLostWithRedisIsNotRecovered() {
        String first = historyA.append("t", WsMessage.data("t", 0)).block(T).offset();
        historyA.append("t", WsMessage.data("t", 1)).block(T);

        redis.restart(); // no persistence: every key is gone, and a new epoch starts
        // Not nodeA.isConnected(): nothing consumes this broker's inbound, so it rightly says false.
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> historyA.append("t", WsMessage.data("t", 2)).block(T) != null);

        Replay r = historyA.since("t", first).block(T);
        assertThat(r.recovered()).isFalse();
    }

    @Test
    void aQuietTopicWhoseMessagesExpiredKeepsItsEpochSoAnUpToDateSubscriberMissedNothing() {
        TopicHistory shortLived = nodeA.history(HistoryOptions.builder().size(5).ttl(Duration.ofMillis(200)).build(),
                WsCodec.json());
        String seen = shortLived.append("quiet", WsMessage.data("quiet", 1)).block(T).offset();
        // The stream expires with its messages; the topic's epoch and counter must not.
        await().atMost(T).until(() -> streamGone("quiet"));

        Replay upToDate = shortLived.since("quiet", seen).block(T);
        assertThat(upToDate.recovered()).as("nothing was published after %s: %s", seen, upToDate).isTrue();
        String next = shortLived.append("quiet", WsMessage.data("quiet", 2)).block(T).offset();
        assertThat(next).as("the next message continues the epoch of %s", seen)
                .startsWith(seen.substring(0, seen.lastIndexOf(':') + 1)).endsWith(":2");
        Replay missedOne = shortLived.since("quiet", seen).block(T);
        assertThat(missedOne.recovered()).isTrue();
        assertThat(missedOne.messages()).extracting(WsMessage::offset).containsExactly(next);
    }

    /** Whether the topic's stream (key {@code PREFIX:h:TOPIC}) has expired. */
    private boolean streamGone(String topic) {
        RedisClient client = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            return c.sync().keys("*:h:" + topic).isEmpty();
        } finally {
            client.shutdown();
        }
    }

    @Test
    void malformedOffsetIsAProtocolError() {
        assertThatThrownBy(() -> historyA.since("t", "nope").block(T))
                .isInstanceOf(WsProtocolException.class)
                .hasMessageContaining("data.since");
    }
}
