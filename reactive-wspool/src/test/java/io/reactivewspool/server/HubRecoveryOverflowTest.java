package io.reactivewspool.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import io.reactivewspool.history.HistoryOptions;
import io.reactivewspool.history.TopicHistory;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.test.FakeTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.test.scheduler.VirtualTimeScheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code subscribe} with {@code since} on a connection whose queue has less room than the replay:
 * {@code recovered:true} only when every missed message reached the queue, whatever the overflow
 * policy; otherwise {@code recovered:false}, and never a lost reply or a 4001.
 */
class HubRecoveryOverflowTest {

    private static final int QUEUE = 10;
    private static final int HISTORY = 8;

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    private final List<WsHub> hubs = new ArrayList<>();

    @AfterEach
    void close() {
        hubs.forEach(h -> h.close().subscribe());
        time.advanceTimeBy(Duration.ofMinutes(1));
        time.dispose();
    }

    private WsHub hub(OverflowPolicy policy) {
        return hub(options(policy, HISTORY).build());
    }

    private WsHub hub(WsHubOptions options) {
        WsHub h = WsHub.create(options);
        hubs.add(h);
        return h;
    }

    private WsHubOptions.Builder options(OverflowPolicy policy, int historySize) {
        return WsHubOptions.builder().scheduler(time).closeDrainPeriod(Duration.ZERO)
                .outboundQueueSize(QUEUE).overflowPolicy(policy)
                .history(TopicHistory.inMemory(HistoryOptions.builder().size(historySize).build()));
    }

    /** Broadcasts {@code n} messages 0.. to topic "t"; returns their offsets. */
    private static List<String> publish(WsHub hub, int n) {
        List<String> offsets = new ArrayList<>();
        hub.topic("t").subscribe(m -> offsets.add(m.offset()));
        for (int i = 0; i < n; i++) {
            hub.broadcast("t", "n", i);
        }
        return offsets;
    }

    /** A client that reads nothing yet, subscribed to "busy" whose {@code queued} messages fill its queue. */
    private static FakeTransport slowClient(WsHub hub, int queued) {
        FakeTransport t = new FakeTransport(false);
        hub.serve(t, Admission.accepted("ann")).subscribe();
        String id = hub.admin().connections("ann", null).get(0).connectionId();
        hub.subscribe(id, "busy");
        for (int i = 0; i < queued; i++) {
            hub.broadcast("busy", "b", i);
        }
        return t;
    }

    @ParameterizedTest
    @EnumSource(value = OverflowPolicy.class, names = {"DROP_NEWEST", "DISCONNECT"})
    void replayLargerThanTheFreeQueueSpaceIsNotReportedAsRecovered(OverflowPolicy policy) {
        WsHub hub = hub(policy);
        List<String> offsets = publish(hub, HISTORY);
        // welcome + 5 queued: 4 free slots for a replay of 7 and its reply
        FakeTransport slow = slowClient(hub, 5);
        slow.clientSends(WsMessage.subscribe("t", offsets.get(0)).withId("r"));
        slow.request(Long.MAX_VALUE);

        WsMessage reply = replyKeepingItsPromise(slow, policy, HISTORY - 1);
        assertThat(reply.data().get("recovered").asBoolean()).as("4 free slots cannot hold 7 messages (policy %s)", policy)
                .isFalse();
        assertThat(reply.data().get("offset").asString()).isEqualTo(offsets.get(HISTORY - 1));
    }

    @Test
    void dropOldestMakesRoomForTheReplayByDroppingOlderFrames() {
        WsHub hub = hub(OverflowPolicy.DROP_OLDEST);
        List<String> offsets = publish(hub, HISTORY);
        FakeTransport slow = slowClient(hub, 5); // 4 free slots: the welcome and 3 older frames make room for 8
        slow.clientSends(WsMessage.subscribe("t", offsets.get(0)).withId("r"));
        slow.request(Long.MAX_VALUE);

        WsMessage reply = slow.messages(WsMessage.SUBSCRIBED).get(0);
        assertThat(reply.data().get("recovered").asBoolean()).isTrue();
        assertThat(slow.messages("n")).extracting(m -> m.data().asInt()).containsExactly(1, 2, 3, 4, 5, 6, 7);
        assertThat(slow.messages("b")).extracting(m -> m.data().asInt()).containsExactly(3, 4);
        assertThat(hub.admin().stats().messagesDropped()).isEqualTo(4);
    }

    @ParameterizedTest
    @EnumSource(OverflowPolicy.class)
    void historyLargerThanTheQueueIsRefusedAtBuildOrReplayedWhole(OverflowPolicy policy) {
        WsHubOptions options;
        try {
            options = options(policy, QUEUE + 2).build();
        } catch (IllegalArgumentException refused) {
            assertThat(refused).hasMessageContaining("outboundQueueSize").hasMessageContaining("history size");
            return;
        }
        WsHub hub = hub(options);
        List<String> offsets = publish(hub, QUEUE + 2);
        FakeTransport slow = slowClient(hub, 0);
        slow.clientSends(WsMessage.subscribe("t", offsets.get(0)).withId("r"));
        slow.request(Long.MAX_VALUE);

        replyKeepingItsPromise(slow, policy, QUEUE + 1);
    }

    /**
     * The one {@code subscribed} reply, checked: the connection is open and {@code recovered:true}
     * came with every missed message, 1 to {@code missed}, in order.
     */
    private static WsMessage replyKeepingItsPromise(FakeTransport slow, OverflowPolicy policy, int missed) {
        assertThat(slow.closeStatus()).as("the replay must not close the connection (policy %s)", policy).isNull();
        List<WsMessage> replies = slow.messages(WsMessage.SUBSCRIBED);
        assertThat(replies).as("the subscribed reply must arrive (policy %s)", policy).hasSize(1);
        if (replies.get(0).data().get("recovered").asBoolean()) {
            assertThat(slow.messages("n")).extracting(m -> m.data().asInt())
                    .as("recovered:true, so every missed message (policy %s)", policy)
                    .containsExactlyElementsOf(IntStream.rangeClosed(1, missed).boxed().toList());
        }
        return replies.get(0);
    }

    @ParameterizedTest
    @EnumSource(OverflowPolicy.class)
    void replayThatFitsIsDeliveredWholeBeforeTheReply(OverflowPolicy policy) {
        WsHub hub = hub(policy);
        List<String> offsets = publish(hub, HISTORY);
        FakeTransport slow = slowClient(hub, 0); // welcome queued: 9 free slots for 7 messages and the reply
        slow.clientSends(WsMessage.subscribe("t", offsets.get(0)).withId("r"));
        slow.request(Long.MAX_VALUE);

        WsMessage reply = slow.messages(WsMessage.SUBSCRIBED).get(0);
        assertThat(reply.data().get("recovered").asBoolean()).isTrue();
        assertThat(slow.messages("n")).extracting(m -> m.data().asInt()).containsExactly(1, 2, 3, 4, 5, 6, 7);
        assertThat(slow.closeStatus()).isNull();
    }

    @Test
    void historyThatCanNeverBeReplayedThroughTheQueueIsRefusedAtBuild() {
        WsHubOptions.Builder b = WsHubOptions.builder().outboundQueueSize(100)
                .history(TopicHistory.inMemory(HistoryOptions.builder().size(100).build()));
        assertThatThrownBy(b::build).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("outboundQueueSize").hasMessageContaining("history size")
                .hasMessageContaining("100");
        assertThat(b.outboundQueueSize(101).build().limits().outboundQueueSize()).isEqualTo(101);
    }
}
