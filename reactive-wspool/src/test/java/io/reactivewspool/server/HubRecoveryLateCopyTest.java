package io.reactivewspool.server;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
 * A recovering subscription never gets a replayed message a second time from live delivery, even
 * after later live messages passed. Found by the chaos campaign (scripts/chaos.sh 30m 24): hub2,
 * just restarted, was the first of the hubs to follow chaos.t1 again when sub5 subscribed with
 * {@code since} 564; the history already held 565, so 565 was replayed; 566 to 568 arrived live;
 * then 565's own live copy arrived late (its publishing hub's Redis path was slow). The hub's
 * continuity delivers a message older than the first it saw late rather than drop it, and the
 * recovery had stopped filtering at the first live message past the replay: sub5 got 565 twice.
 */
class HubRecoveryLateCopyTest {

    private static final String TOPIC = "chaos.t1";

    private WsHub hub;

    @AfterEach
    void close() {
        if (hub != null) {
            hub.close().block(Duration.ofSeconds(10));
        }
    }

    private static WsMessage data(long seq) {
        return WsMessage.builder(WsMessage.DATA).topic(TOPIC).data(Map.of("m", "pub1-" + seq)).offset("e:" + seq).build();
    }

    /** A shared history (as Redis's is) that has stored 565 when the subscriber asks since 564. */
    private static final class StoredUpTo565 implements TopicHistory {
        @Override
        public Mono<WsMessage> append(String topic, WsMessage message) {
            return Mono.error(new IllegalStateException("this hub publishes nothing in this test"));
        }

        @Override
        public Mono<Replay> since(String topic, String offset) {
            return Mono.just(new Replay(List.of(data(565)), true, "e:565"));
        }

        @Override
        public Mono<Void> close() {
            return Mono.empty();
        }
    }

    private static BrokerMessage fromAnotherHub(long seq) {
        return new BrokerMessage(BrokerMessage.Kind.TOPIC, TOPIC, WsCodec.json().encode(data(seq)), "node-other", Set.of());
    }

    private static List<String> offsets(FakeTransport t) {
        return t.messages(WsMessage.DATA).stream().map(WsMessage::offset).toList();
    }

    @Test
    void aLateLiveCopyOfAReplayedMessageIsNotDeliveredAgain() {
        RecordingBroker broker = new RecordingBroker();
        hub = WsHub.create(WsHubOptions.builder().broker(broker).history(new StoredUpTo565())
                .outboundQueueSize(4096).closeDrainPeriod(Duration.ZERO).build());
        FakeTransport sub5 = new FakeTransport();
        hub.serve(sub5, Admission.accepted(null)).subscribe();
        sub5.clientSends(WsMessage.subscribe(TOPIC, "e:564").withId("1"));
        await().atMost(Duration.ofSeconds(10)).until(() -> !sub5.messages(WsMessage.SUBSCRIBED).isEmpty());
        assertThat(sub5.messages(WsMessage.SUBSCRIBED).get(0).data().get("recovered").asBoolean()).isTrue();

        broker.receive(fromAnotherHub(566));
        broker.receive(fromAnotherHub(567));
        broker.receive(fromAnotherHub(568));
        broker.receive(fromAnotherHub(565)); // the late live copy
        broker.receive(fromAnotherHub(569));
        await().atMost(Duration.ofSeconds(10)).until(() -> offsets(sub5).contains("e:569"));

        assertThat(offsets(sub5)).as("offsets the recovering subscriber got")
                .containsExactly("e:565", "e:566", "e:567", "e:568", "e:569");
    }
}
