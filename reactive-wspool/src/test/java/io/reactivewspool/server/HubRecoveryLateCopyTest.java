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
import io.reactivewspool.test.OpenHubs;
import io.reactivewspool.test.RecordingBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A recovering subscription never gets a replayed message a second time from live delivery, even
 * after later live messages passed. Found by the chaos campaign (scripts/chaos.sh 30m 24): hub2,
 * just restarted, was the first of the hubs to follow chaos.t1 again when sub5 subscribed with
 * {@code since} 564; the history already held 565, so 565 was replayed; 566 to 568 arrived live;
 * then 565's own live copy arrived late (its publishing hub's Redis path was slow). The hub's
 * continuity delivers a message older than the first it saw late rather than drop it, and the
 * recovery had stopped filtering at the first live message past the replay: sub5 got 565 twice.
 *
 * <p>Nor does it get an offset after a later one of the same epoch: a message its replay did not
 * hold that comes live only after a later one is announced by a {@code gap} before the later one,
 * and not delivered after it. Found by the same seed in the run started at 10:17: after two Redis
 * restarts a subscriber reconnected with {@code since} to a hub that had just started to follow
 * chaos.t2 again; its replay ended at 208; 210 came live first (the first message that hub saw),
 * then 209 (its publishing hub's path was slower). The continuity delivered 209 late, so the
 * subscriber got 210, then 209, and its client could report the gap only after 210.
 */
class HubRecoveryLateCopyTest {

    private static final String TOPIC = "chaos.t1";
    private static final String TOPIC2 = "chaos.t2";

    @RegisterExtension
    final OpenHubs hubs = new OpenHubs();

    private static WsMessage data(String topic, long seq) {
        return WsMessage.builder(WsMessage.DATA).topic(topic).data(Map.of("m", "pub1-" + seq)).offset("e:" + seq).build();
    }

    /** A shared history (as Redis's is) that has stored up to {@code upTo} when the subscriber asks since {@code from - 1}. */
    private record StoredUpTo(long from, long upTo) implements TopicHistory {
        @Override
        public Mono<WsMessage> append(String topic, WsMessage message) {
            return Mono.error(new IllegalStateException("this hub publishes nothing in this test"));
        }

        @Override
        public Mono<Replay> since(String topic, String offset) {
            return Mono.just(new Replay(LongStream.rangeClosed(from, upTo).mapToObj(seq -> data(topic, seq)).toList(),
                    true, "e:" + upTo));
        }

        @Override
        public Mono<Void> close() {
            return Mono.empty();
        }
    }

    private static BrokerMessage fromAnotherHub(String topic, long seq) {
        return new BrokerMessage(BrokerMessage.Kind.TOPIC, topic, WsCodec.json().encode(data(topic, seq)), "node-other", Set.of());
    }

    /** A hub sharing {@code history}, and one connection to it subscribed with {@code since}, recovered. */
    private FakeTransport recovered(RecordingBroker broker, TopicHistory history, String topic, String since) {
        WsHub hub = hubs.create(WsHubOptions.builder().broker(broker).history(history)
                .outboundQueueSize(4096).closeDrainPeriod(Duration.ZERO).build());
        FakeTransport sub = new FakeTransport();
        hub.serve(sub, Admission.accepted(null)).subscribe();
        sub.clientSends(WsMessage.subscribe(topic, since).withId("1"));
        await().atMost(Duration.ofSeconds(10)).until(() -> !sub.messages(WsMessage.SUBSCRIBED).isEmpty());
        assertThat(sub.messages(WsMessage.SUBSCRIBED).get(0).data().get("recovered").asBoolean()).isTrue();
        return sub;
    }

    private static List<String> offsets(FakeTransport t) {
        return t.messages(WsMessage.DATA).stream().map(WsMessage::offset).toList();
    }

    @Test
    void aLateLiveCopyOfAReplayedMessageIsNotDeliveredAgain() {
        RecordingBroker broker = new RecordingBroker();
        FakeTransport sub5 = recovered(broker, new StoredUpTo(565, 565), TOPIC, "e:564");

        broker.receive(fromAnotherHub(TOPIC, 566));
        broker.receive(fromAnotherHub(TOPIC, 567));
        broker.receive(fromAnotherHub(TOPIC, 568));
        broker.receive(fromAnotherHub(TOPIC, 565)); // the late live copy
        broker.receive(fromAnotherHub(TOPIC, 569));
        await().atMost(Duration.ofSeconds(10)).until(() -> offsets(sub5).contains("e:569"));

        assertThat(offsets(sub5)).as("offsets the recovering subscriber got")
                .containsExactly("e:565", "e:566", "e:567", "e:568", "e:569");
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
        FakeTransport sub = recovered(broker, new StoredUpTo(206, 208), TOPIC2, "e:205");

        broker.receive(fromAnotherHub(TOPIC2, 210)); // the first live message this hub sees of the topic
        broker.receive(fromAnotherHub(TOPIC2, 209)); // late: its publishing hub's path was slower
        broker.receive(fromAnotherHub(TOPIC2, 211));
        await().atMost(Duration.ofSeconds(10)).until(() -> topicFrames(sub).contains("e:211"));

        assertThat(topicFrames(sub)).as("topic frames the recovering subscriber got, in order")
                .containsExactly("e:206", "e:207", "e:208", "gap after e:209", "e:210", "e:211");
    }
}
