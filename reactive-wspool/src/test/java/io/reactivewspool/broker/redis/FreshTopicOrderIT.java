package io.reactivewspool.broker.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.reactivewspool.history.HistoryOptions;
import io.reactivewspool.internal.history.HistoryOffset;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.test.ReactorNettyTestClient;
import io.reactivewspool.test.RedisHubs;
import io.reactivewspool.testsupport.RedisServerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The first subscriber of a topic on a hub gets the topic's messages in offset order from its first
 * one, whichever hub published them: a hub's own message, stored after one of another hub that is
 * still on its way through Redis, waits for it. Before, the first message a hub saw of a topic set
 * where it started, and an older one arriving after it was delivered late, out of order (seen under
 * load in {@code RedisPublishOutcomeIT}: the subscriber on the second hub got offset 2 before 1).
 */
class FreshTopicOrderIT {

    private static final Duration T = Duration.ofSeconds(30);
    /** Command timeout: the fixture's default times out on a loaded machine. */
    private static final Duration LOADED = Duration.ofSeconds(10);
    private static final int TOPICS = 40;
    private static final int PER_HUB = 5;

    private RedisServerProcess redis;
    private RedisHubs hubs;

    @BeforeEach
    void start() {
        redis = RedisServerProcess.start();
        RedisHubs.warmUp(redis);
        hubs = RedisHubs.start(redis.uri(), LOADED, List.of("node-a", "node-b"), null, (broker, b) ->
                b.history(broker.history(HistoryOptions.builder().size(100).build(), WsCodec.json())));
    }

    @AfterEach
    void stop() {
        if (hubs != null) {
            hubs.close();
        }
        redis.close();
    }

    @Test
    void bothHubsPublishingToAFreshTopicAtOnceReachItsFirstSubscribersInOffsetOrder() throws Exception {
        ExecutorService publishers = Executors.newFixedThreadPool(2);
        try {
            for (int t = 0; t < TOPICS; t++) {
                String topic = "fresh-" + t;
                List<ReactorNettyTestClient> subscribers = List.of(hubs.subscriber(0, topic), hubs.subscriber(1, topic));
                CountDownLatch go = new CountDownLatch(1);
                List<Future<?>> sent = new ArrayList<>();
                for (int node = 0; node < 2; node++) {
                    int n = node;
                    sent.add(publishers.submit(() -> {
                        go.await();
                        for (int i = 0; i < PER_HUB; i++) {
                            hubs.node(n).hub().publish(topic, "m", n + "-" + i).block(T);
                        }
                        return null;
                    }));
                }
                go.countDown();
                for (Future<?> f : sent) {
                    f.get(60, TimeUnit.SECONDS);
                }
                for (int s = 0; s < subscribers.size(); s++) {
                    List<Long> seqs = new ArrayList<>();
                    for (int i = 0; i < 2 * PER_HUB; i++) {
                        WsMessage m = subscribers.get(s).next(x -> x.is("m") || x.is(WsMessage.GAP));
                        assertThat(m.type()).as("topic %s, subscriber on hub %d: a gap", topic, s).isEqualTo("m");
                        seqs.add(HistoryOffset.parse(m.offset()).seq());
                    }
                    assertThat(seqs).as("offsets of topic %s as the subscriber on hub %d got them", topic, s)
                            .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
                }
                subscribers.forEach(ReactorNettyTestClient::close);
            }
        } finally {
            publishers.shutdownNow();
        }
    }
}
