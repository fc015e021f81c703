package io.reactivewspool.security;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.TopicPolicy;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.test.AdminHttp;
import io.reactivewspool.test.HubFixture;
import io.reactivewspool.test.RawSocketClient;
import io.reactivewspool.test.ReactorNettyTestClient;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Floods against one server, and what the connections that behave see meanwhile. The single
 * offender's fate is pinned by the conformance rows ({@code HubConformanceSuite}: 1008 after
 * repeated rate-limit violations, 1013 over the connection limit, 1009 for a frame over the
 * maximum); here the point is that nobody else pays for it.
 */
class FloodIT {

    private static final String ADMIN = "FLOOD-ADMIN";

    /**
     * A publisher far above the rate limit and a client sending oversized frames, while a steady
     * feed is broadcast: the publisher is throttled (an {@code error} per excess message) and,
     * keeping it up, closed with 1008; the
     * oversized client closed with 1009, and every well-behaved subscriber gets the whole feed in
     * order; a well-behaved publisher at a quarter of the limit is never throttled.
     */
    @Test
    void floodingPublisherIsThrottledThenClosedWhileOthersKeepReceiving() throws Exception {
        WsHubOptions options = WsHubOptions.builder()
                .topicPolicy(TopicPolicy.publishTo(List.of("pub.*")))
                .rateLimitPerSecond(20).maxRateLimitViolations(5)
                .maxFrameBytes(4096)
                .closeDrainPeriod(Duration.ZERO).build();
        try (HubFixture f = HubFixture.start(options)) {
            List<ReactorNettyTestClient> subscribers = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                ReactorNettyTestClient s = f.client();
                s.welcome();
                s.send(WsMessage.subscribe("feed"));
                s.next("subscribed");
                s.send(WsMessage.subscribe("pub.chat"));
                s.next("subscribed");
                subscribers.add(s);
            }
            ReactorNettyTestClient polite = f.client();
            polite.welcome();
            ReactorNettyTestClient flooder = f.client();
            flooder.welcome();
            RawSocketClient oversized = RawSocketClient.connect(f.wsUrl());
            assertThat(oversized.readMessage().type()).isEqualTo("welcome");

            int feedSize = 200;
            AtomicInteger fed = new AtomicInteger();
            AtomicBoolean feeding = new AtomicBoolean(true);
            Thread feeder = new Thread(() -> {
                while (feeding.get() && fed.get() < feedSize) {
                    f.hub().broadcast("feed", "tick", Map.of("n", fed.getAndIncrement()));
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "feeder");
            feeder.start();

            // A burst just over the limit is throttled: an error per excess message, the connection kept.
            for (int i = 0; i < 23; i++) {
                flooder.send(WsMessage.publish("pub.chat", Map.of("spam", i)).withId("b" + i));
            }
            await().atMost(ReactorNettyTestClient.WAIT).until(() -> flooder.received().stream().filter(m -> m.is("error")).count() == 3);
            assertThat(flooder.received()).filteredOn(m -> m.is("error"))
                    .allSatisfy(m -> assertThat(m.error()).contains("rate limit"));
            assertThat(flooder.isClosed()).isFalse();
            // Keeping it up without a calm second closes it with 1008. A bounded burst: a client
            // that keeps writing into a socket the server has closed may see a TCP reset instead of
            // the close frame, which would test the kernel, not the hub.
            for (int i = 23; i < 60 && !flooder.isClosed(); i++) {
                flooder.send(WsMessage.publish("pub.chat", Map.of("spam", i)));
            }
            oversized.sendText("{\"type\":\"ping\",\"data\":\"" + "x".repeat(10_000) + "\"}");
            for (int i = 0; i < 5; i++) {
                polite.send(WsMessage.publish("pub.chat", Map.of("polite", i)).withId("p" + i));
                assertThat(polite.next("published").id()).isEqualTo("p" + i);
                Thread.sleep(50);
            }

            assertThat(flooder.awaitCloseCode()).isEqualTo(1008);
            assertThat(flooder.closeReason()).contains("rate limit");
            assertThat(oversized.readUntilCloseCode()).isEqualTo(1009);
            feeder.join(Duration.ofSeconds(30).toMillis());
            assertThat(fed.get()).isEqualTo(feedSize);

            for (ReactorNettyTestClient s : subscribers) {
                await().atMost(ReactorNettyTestClient.WAIT).until(() -> s.received().stream().filter(m -> m.is("tick")).count() == feedSize);
                List<Integer> ticks = s.received().stream().filter(m -> m.is("tick")).map(m -> m.data().get("n").asInt()).toList();
                assertThat(ticks).as("the feed, in order, without a gap").isEqualTo(IntStream.range(0, feedSize).boxed().toList());
                long politeSeen = s.received().stream().filter(m -> m.is("data") && m.data().has("polite")).count();
                assertThat(politeSeen).as("the polite publisher's messages").isEqualTo(5);
                long spamSeen = s.received().stream().filter(m -> m.is("data") && m.data().has("spam")).count();
                assertThat(spamSeen).as("spam that got through the limiter").isLessThan(60).isPositive();
                assertThat(s.received()).noneMatch(m -> m.is("error"));
                assertThat(s.isClosed()).isFalse();
            }
            assertThat(polite.received()).noneMatch(m -> m.is("error"));
            assertThat(polite.isClosed()).isFalse();
            assertThat(f.hub().admin().stats().activeConnections()).isEqualTo(subscribers.size() + 1);
            subscribers.forEach(ReactorNettyTestClient::close);
            polite.close();
        }
    }

    /**
     * Ten times the connection limit in upgrade attempts at once: every one over the limit is
     * closed with 1013, the admitted connections keep answering pings and the admin API keeps
     * answering, during the flood and after; a slot freed afterwards can be taken again.
     */
    @Test
    void connectionFloodOverTheLimitGets1013WhileTheServerStaysResponsive() {
        int limit = 20;
        try (HubFixture f = HubFixture.start(WsHubOptions.builder().maxConnections(limit).closeDrainPeriod(Duration.ZERO).build(), ADMIN)) {
            List<ReactorNettyTestClient> admitted = new ArrayList<>();
            for (int i = 0; i < limit; i++) {
                ReactorNettyTestClient c = f.client();
                c.welcome();
                admitted.add(c);
            }
            List<ReactorNettyTestClient> flood = new ArrayList<>();
            for (int i = 0; i < 10 * limit; i++) {
                flood.add(ReactorNettyTestClient.start(f.wsUrl(), Map.of()));
                if (i % 40 == 0) {
                    ReactorNettyTestClient probe = admitted.get(i % limit);
                    probe.send(WsMessage.ping().withId("during-" + i));
                    assertThat(probe.next("pong").id()).isEqualTo("during-" + i);
                    AdminHttp.Response stats = AdminHttp.get(f.adminUrl() + "/stats", ADMIN);
                    assertThat(stats.status()).isEqualTo(200);
                    assertThat(stats.json().get("active_connections").asInt()).isLessThanOrEqualTo(limit);
                }
            }
            for (ReactorNettyTestClient c : flood) {
                assertThat(c.awaitCloseCode()).isEqualTo(1013);
                assertThat(c.received()).noneMatch(m -> m.is("welcome"));
            }
            assertThat(f.hub().admin().stats().activeConnections()).isEqualTo(limit);
            assertThat(f.hub().admin().stats().rejectedConnections()).isEqualTo(10L * limit);
            for (ReactorNettyTestClient c : admitted) {
                c.send(WsMessage.ping().withId("after"));
                assertThat(c.next("pong").id()).isEqualTo("after");
                assertThat(c.isClosed()).isFalse();
            }
            admitted.get(0).close();
            await().atMost(ReactorNettyTestClient.WAIT).until(() -> f.hub().admin().stats().activeConnections() == limit - 1);
            ReactorNettyTestClient late = f.client();
            assertThat(late.welcome().type()).isEqualTo("welcome");
            late.close();
            admitted.forEach(ReactorNettyTestClient::close);
        }
    }
}
