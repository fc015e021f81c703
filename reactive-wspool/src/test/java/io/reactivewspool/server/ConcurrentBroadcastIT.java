package io.reactivewspool.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;

import io.reactivewspool.message.WsMessage;
import io.reactivewspool.test.HubFixture;
import io.reactivewspool.test.ReactorNettyTestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Broadcasts to one topic from several threads at once: none is dropped, none waits for another
 * by spinning, and every subscriber (socket or in-process) sees each sender's messages in the
 * order it sent them.
 */
class ConcurrentBroadcastIT {

    private static final Duration T = Duration.ofSeconds(120);
    private static final int SENDERS = 4;
    private static final int PER_SENDER = 25_000;
    private static final int TOTAL = SENDERS * PER_SENDER;

    private HubFixture node;
    private final List<ReactorNettyTestClient> clients = new ArrayList<>();
    private final List<Disposable> inProcess = new ArrayList<>();

    @AfterEach
    void stop() {
        inProcess.forEach(Disposable::dispose);
        clients.forEach(ReactorNettyTestClient::close);
        node.close();
    }

    @Test
    void everySubscriberGetsEveryBroadcastOfConcurrentSendersInEachSendersOrder() throws Exception {
        // Queues that hold the whole run: this test is about the topic hand-off, not overflow policies.
        node = HubFixture.start(WsHubOptions.builder().outboundQueueSize(TOTAL + 16).closeDrainPeriod(Duration.ZERO).build());
        WsHub hub = node.hub();
        ReactorNettyTestClient socket = ReactorNettyTestClient.connect(node.wsUrl());
        clients.add(socket);
        socket.welcome();
        socket.send(WsMessage.subscribe("feed"));
        socket.next("subscribed");
        List<ConcurrentLinkedQueue<WsMessage>> local = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ConcurrentLinkedQueue<WsMessage> got = new ConcurrentLinkedQueue<>();
            local.add(got);
            inProcess.add(hub.topic("feed").subscribe(got::add));
        }

        CyclicBarrier start = new CyclicBarrier(SENDERS);
        List<Thread> senders = new ArrayList<>();
        for (int s = 0; s < SENDERS; s++) {
            int sender = s;
            Thread th = new Thread(() -> {
                try {
                    start.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                for (int n = 0; n < PER_SENDER; n++) {
                    hub.broadcast("feed", "m", Map.of("s", sender, "n", n));
                }
            }, "sender-" + s);
            senders.add(th);
            th.start();
        }
        for (Thread th : senders) {
            th.join(T.toMillis());
            assertThat(th.isAlive()).as("%s finished", th.getName()).isFalse();
        }

        for (int i = 0; i < local.size(); i++) {
            assertInSendersOrder("in-process subscriber " + i, List.copyOf(local.get(i)));
        }
        // The client decodes every message; polled slowly, as each poll copies what it received.
        await().atMost(T).pollInterval(Duration.ofSeconds(1))
                .until(() -> socket.received().size() >= TOTAL + 2 || hub.admin().stats().messagesDropped() > 0);
        assertInSendersOrder("the connection", broadcasts(socket));
        assertThat(hub.admin().stats().messagesFailed()).as("failed emissions").isZero();
        assertThat(hub.admin().stats().messagesDropped()).as("dropped messages").isZero();
    }

    private static List<WsMessage> broadcasts(ReactorNettyTestClient c) {
        return c.received().stream().filter(m -> m.is("m")).toList();
    }

    private static void assertInSendersOrder(String who, List<WsMessage> got) {
        assertThat(got.size()).as("broadcasts %s received", who).isEqualTo(TOTAL);
        int[] next = new int[SENDERS];
        for (WsMessage m : got) {
            int s = m.data().get("s").asInt();
            int n = m.data().get("n").asInt();
            assertThat(n).as("%s: sender %d's message after its %d-th", who, s, next[s]).isEqualTo(next[s]);
            next[s]++;
        }
    }
}
