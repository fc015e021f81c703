package io.reactivewspool.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import io.reactivewspool.message.WsMessage;
import io.reactivewspool.test.FakeTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code hub.topic(name)} subscribers: what they receive, and that they end with the hub. */
class InProcessTopicTest {

    private static final Duration T = Duration.ofSeconds(30);

    private final List<WsHub> hubs = new ArrayList<>();
    private final List<Disposable> subscriptions = new ArrayList<>();

    private WsHub hub() {
        WsHub h = WsHub.create(WsHubOptions.builder().closeDrainPeriod(Duration.ZERO).build());
        hubs.add(h);
        return h;
    }

    @AfterEach
    void close() {
        subscriptions.forEach(Disposable::dispose);
        hubs.forEach(h -> h.close().block(T));
    }

    @Test
    void aBroadcastMadeWhileReceivingOneOnTheSameTopicIsDeliveredAfterIt() {
        WsHub hub = hub();
        List<String> seen = new CopyOnWriteArrayList<>();
        // A relay: answers every question on the topic it hears it on, from inside its onNext.
        subscriptions.add(hub.topic("chat").subscribe(m -> {
            seen.add(m.type() + m.data().asInt());
            if (m.is("question")) {
                hub.broadcast("chat", "answer", m.data().asInt());
            }
        }));
        FakeTransport conn = new FakeTransport();
        hub.serve(conn, Admission.accepted("ann")).subscribe();
        hub.subscribe(conn.messages(WsMessage.WELCOME).get(0).data().get("connection_id").asString(), "chat");

        for (int i = 0; i < 3; i++) {
            hub.broadcast("chat", "question", i);
        }

        assertThat(seen).containsExactly("question0", "answer0", "question1", "answer1", "question2", "answer2");
        // Every subscriber sees them in the order they were broadcast, not only the one that answered.
        assertThat(conn.messages().stream().filter(m -> m.is("question") || m.is("answer"))
                .map(m -> m.type() + m.data().asInt()))
                .containsExactly("question0", "answer0", "question1", "answer1", "question2", "answer2");
        assertThat(hub.admin().stats().messagesFailed()).as("failed emissions").isZero();
    }

    @Test
    void everyTopicFluxHasCompletedWhenCloseCompletes() {
        WsHub hub = hub();
        List<AtomicBoolean> completed = new ArrayList<>();
        for (String topic : List.of("a", "a", "b")) {
            AtomicBoolean done = new AtomicBoolean();
            completed.add(done);
            subscriptions.add(hub.topic(topic).subscribe(m -> { }, e -> { }, () -> done.set(true)));
        }
        FakeTransport conn = new FakeTransport();
        hub.serve(conn, Admission.accepted("ann")).subscribe();
        hub.subscribe(conn.messages(WsMessage.WELCOME).get(0).data().get("connection_id").asString(), "b");

        hub.close().block(T);

        assertThat(completed).as("each topic Flux completed").allSatisfy(done -> assertThat(done).isTrue());
        AtomicBoolean late = new AtomicBoolean();
        subscriptions.add(hub.topic("a").subscribe(m -> { }, e -> { }, () -> late.set(true)));
        assertThat(late).as("a topic Flux subscribed after close completes at once").isTrue();
    }
}
