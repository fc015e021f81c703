package io.reactivewspool.server;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.LongStream;

import io.reactivewspool.broker.BrokerMessage;
import io.reactivewspool.history.TopicHistory;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.test.FakeTransport;
import io.reactivewspool.test.RecordingBroker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A recovering subscription never gets an offset after a later one of the same epoch: a message
 * its replay did not hold that comes live only after a later one is announced by a {@code gap}
 * before the later one, and not delivered after it. Found by the chaos campaign
 * (scripts/chaos.sh 30m 24, the run started at 10:17): after two Redis restarts a subscriber
 * reconnected with {@code since} to a hub that had just started to follow chaos.t2 again; its
 * replay ended at 208; 210 came live first (the first message that hub saw), then 209 (its
 * publishing hub's path was slower). The hub's continuity delivers a message older than the
 * first one it saw late rather than drop it, so the subscriber got 210, then 209, and its client
 * could report the gap only after 210.
 */
class HubRecoveryLateOlderMessageTest {

    private static final String TOPIC = "chaos.t2";

    private WsHub hub;

    @AfterEach
    void close() {
        if (hub != null) {
            hub.close().block(Duration.ofSeconds(10));
        }
    }

    private static WsMessage data(long seq) {
        return WsMessage.builder(WsMessage.DATA).topic(TOPIC).data(Map.of("m", "pub3-" + seq)).offset("e:" + seq).build();
    }

    /** A shared history (as Redis's is) that has stored up to 208 when the subscriber asks since 205. */
    private static final class StoredUpTo208 implements TopicHistory {
        @Override
        public Mono<WsMessage> append(String topic, WsMessage message) {
            return Mono.error(new IllegalStateException("this hub publishes nothing in this test"));
        }

        @Override
        public Mono<Replay> since(String topic, String offset) {
            return Mono.just(new Replay(LongStream.rangeClosed(206, 208).mapToObj(HubRecoveryLateOlderMessageTest::data)
                    .toList(), true, "e:208"));
        }

        @Override
        public Mono<Void> close() {
            return Mono.empty();
        }
    }

    private static BrokerMessage fromAnotherHub(long seq) {
        return new BrokerMessage(BrokerMessage.Kind.TOPIC, TOPIC, WsCodec.json().encode(data(seq)), "node-other", Set.of());
    }

    /** The topic frames in the order the subscriber got them: data as its offset, a gap as "gap after OFFSET". */
    private static List<String> topicFrames(FakeTransport t) {
        return t.messages().stream()
                .filter(m -> WsMessage.DATA.equals(m.type()) || WsMessage.GAP.equals(m.type()))
                .map(m -> WsMessage.GAP.equals(m.type()) ? "gap after " + m.data().get("offset").asString() : m.offset())
                .toList();
    }

    @Test
    void aLiveMessageOlderThanOneAlreadyDeliveredIsAnnouncedByAGapBeforeTheLaterOne() {
        RecordingBroker broker = new RecordingBroker();
        hub = WsHub.create(WsHubOptions.builder().broker(broker).history(new StoredUpTo208())
                .outboundQueueSize(4096).closeDrainPeriod(Duration.ZERO).build());
        FakeTransport sub = new FakeTransport();
        hub.serve(sub, Admission.accepted(null)).subscribe();
        sub.clientSends(WsMessage.subscribe(TOPIC, "e:205").withId("1"));
        await().atMost(Duration.ofSeconds(10)).until(() -> !sub.messages(WsMessage.SUBSCRIBED).isEmpty());
        assertThat(sub.messages(WsMessage.SUBSCRIBED).get(0).data().get("recovered").asBoolean()).isTrue();

        broker.receive(fromAnotherHub(210)); // the first live message this hub sees of the topic
        broker.receive(fromAnotherHub(209)); // late: its publishing hub's path was slower
        broker.receive(fromAnotherHub(211));
        await().atMost(Duration.ofSeconds(10)).until(() -> topicFrames(sub).contains("e:211"));

        assertThat(topicFrames(sub)).as("topic frames the recovering subscriber got, in order")
                .containsExactly("e:206", "e:207", "e:208", "gap after e:209", "e:210", "e:211");
    }
}
