package io.reactivewspool.client;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.LongStream;

import io.reactivewspool.message.WsMessage;
import io.reactivewspool.test.ScriptedWsServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.Disposables;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A topic client hands the application each offset of a topic at most once and in order, whatever
 * the hub sends: found by the chaos campaign (scripts/chaos.sh 30m 24): subscriber sub5 received
 * chaos.t1 offset 565 from a recovery replay, then 566 to 568 live, then 565 again (the hub's late
 * live copy of the replayed message), and passed all of them on. Against a scripted hub on
 * loopback that sends exactly such sequences.
 */
class WsTopicClientDuplicateIT {

    private static final String TOPIC = "chaos.t1";
    private static final Duration T = Duration.ofSeconds(30);

    private final ScriptedWsServer hub = ScriptedWsServer.start();
    private final WsTopicClient client = WsTopicClient.create(WsTopicClientOptions.builder(hub.url())
            .reconnectBackoffFirst(Duration.ofMillis(10))
            .reconnectBackoffMax(Duration.ofMillis(100))
            .build());
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final List<String> gaps = new CopyOnWriteArrayList<>();
    private final Disposable.Composite subscriptions = Disposables.composite();

    WsTopicClientDuplicateIT() {
        subscriptions.add(client.gaps().subscribe(gaps::add));
        subscriptions.add(client.subscribe(TOPIC).subscribe(m -> received.add(m.offset())));
    }

    @AfterEach
    void close() {
        subscriptions.dispose();
        client.disposeLater().block(T);
        hub.close();
    }

    private static WsMessage data(long seq) {
        return data("e", seq);
    }

    private static WsMessage data(String epoch, long seq) {
        return WsMessage.builder(WsMessage.DATA).topic(TOPIC).data(Map.of("m", "pub1-" + seq)).offset(epoch + ":" + seq).build();
    }

    private static WsMessage subscribed(WsMessage request, Map<String, Object> data) {
        return WsMessage.builder(WsMessage.SUBSCRIBED).topic(TOPIC).id(request.id()).data(data).build();
    }

    private static WsMessage subscribed(WsMessage request) {
        return WsMessage.builder(WsMessage.SUBSCRIBED).topic(TOPIC).id(request.id()).build();
    }

    private static List<String> offsets(long from, long to) {
        return LongStream.rangeClosed(from, to).mapToObj(n -> "e:" + n).toList();
    }

    /** Sends {@code last} behind whatever came before, and waits until the client delivered it. */
    private void sendAndAwait(ScriptedWsServer.Peer peer, WsMessage last) {
        peer.send(last);
        await().atMost(T).until(() -> received.contains(last.offset()));
    }

    private static String since(WsMessage subscribe) {
        return subscribe.data() == null || !subscribe.data().has("since") ? null : subscribe.data().get("since").asString();
    }

    @Test
    void aLateLiveCopyOfAReplayedMessageIsNotDeliveredAgain() {
        ScriptedWsServer.Peer first = hub.awaitPeer(0);
        WsMessage sub = first.awaitRequest();
        first.send(subscribed(sub));
        sendAndAwait(first, data(564));
        first.drop(); // hub1 SIGKILLed

        ScriptedWsServer.Peer second = hub.awaitPeer(1);
        WsMessage resub = second.awaitRequest();
        assertThat(since(resub)).isEqualTo("e:564");
        second.send(data(565)); // the replay
        second.send(subscribed(resub, Map.of("recovered", true, "offset", "e:565")));
        second.send(data(566));
        second.send(data(567));
        second.send(data(568));
        second.send(data(565)); // the hub's late live copy of 565
        sendAndAwait(second, data(569));

        assertThat(received).as("offsets the application got").containsExactlyElementsOf(offsets(564, 569));
        assertThat(client.suppressedDuplicates()).isEqualTo(1);
        assertThat(client.suppressedLateMessages()).isZero();
        assertThat(gaps).isEmpty();
    }

    @Test
    void aReplayOverlappingLiveDeliveryIsSuppressedAndTheResumeOffsetNeverGoesBack() {
        ScriptedWsServer.Peer first = hub.awaitPeer(0);
        WsMessage sub = first.awaitRequest();
        first.send(subscribed(sub));
        for (long n = 565; n < 568; n++) {
            first.send(data(n));
        }
        sendAndAwait(first, data(568));
        first.drop();

        ScriptedWsServer.Peer second = hub.awaitPeer(1);
        WsMessage resub = second.awaitRequest();
        assertThat(since(resub)).isEqualTo("e:568");
        for (long n = 565; n <= 569; n++) { // a replay that starts too early
            second.send(data(n));
        }
        second.send(subscribed(resub, Map.of("recovered", true, "offset", "e:569")));
        second.send(data(570));
        second.send(data(568)); // and a stray duplicate last: it must not become the resume offset
        sendAndAwait(second, data(571));
        second.send(data(569));
        await().atMost(T).until(() -> client.suppressedDuplicates() == 6);
        second.drop();

        ScriptedWsServer.Peer third = hub.awaitPeer(2);
        assertThat(since(third.awaitRequest())).as("the offset the client resumes from").isEqualTo("e:571");
        assertThat(received).containsExactlyElementsOf(offsets(565, 571));
        assertThat(gaps).isEmpty();
    }

    @Test
    void aMessageArrivingAfterALaterOneIsSuppressedAndToldAsAGap() {
        ScriptedWsServer.Peer peer = hub.awaitPeer(0);
        peer.send(subscribed(peer.awaitRequest()));
        peer.send(data(1));
        peer.send(data(3));
        peer.send(data(2)); // never delivered, and delivering it now would break the order
        sendAndAwait(peer, data(4));

        assertThat(received).containsExactly("e:1", "e:3", "e:4");
        assertThat(client.suppressedLateMessages()).isEqualTo(1);
        assertThat(client.suppressedDuplicates()).isZero();
        assertThat(gaps).containsExactly(TOPIC);
    }

    @Test
    void gapsAndANewEpochStillPass() {
        ScriptedWsServer.Peer first = hub.awaitPeer(0);
        first.send(subscribed(first.awaitRequest()));
        sendAndAwait(first, data(10));
        first.send(WsMessage.builder(WsMessage.GAP).topic(TOPIC).data(Map.of("offset", "f:0", "reason", "history reset")).build());
        first.send(data("f", 1)); // a reset history starts again at low offsets: a new epoch, not a duplicate
        sendAndAwait(first, data("f", 2));
        first.drop();

        ScriptedWsServer.Peer second = hub.awaitPeer(1);
        WsMessage resub = second.awaitRequest();
        assertThat(since(resub)).isEqualTo("f:2");
        second.send(subscribed(resub, Map.of("recovered", false, "offset", "f:9")));
        sendAndAwait(second, data("f", 10));

        assertThat(received).containsExactly("e:10", "f:1", "f:2", "f:10");
        assertThat(gaps).containsExactly(TOPIC, TOPIC);
        assertThat(client.suppressedDuplicates()).isZero();
        assertThat(client.suppressedLateMessages()).isZero();
    }
}
