package io.reactivewspool.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import io.reactivewspool.history.TopicHistory;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.test.FakeTransport;
import io.reactivewspool.test.RecordingBroker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@code broadcast} returns for a message whose local delivery has not run yet: the topic's
 * subscribers here that it will reach, which never counts a connection the broadcast excludes.
 */
class HubReachEstimateTest {

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    private WsHub hub;

    @AfterEach
    void close() {
        if (hub != null) {
            hub.close().subscribe();
        }
        time.advanceTimeBy(Duration.ofMinutes(1));
        time.dispose();
    }

    /**
     * A history the nodes share (so the hub keeps live delivery gap-free) whose offsets skip one
     * after the first message, and whose reads never answer: every message after the first is
     * held behind the missing one.
     */
    private static final class SkippingHistory implements TopicHistory {
        private final AtomicLong appended = new AtomicLong();

        @Override
        public Mono<WsMessage> append(String topic, WsMessage message) {
            long n = appended.incrementAndGet();
            return Mono.just(message.withOffset("e1:" + (n == 1 ? 1 : n + 1)));
        }

        @Override
        public Mono<Replay> since(String topic, String offset) {
            return Mono.never();
        }

        @Override
        public Mono<Void> close() {
            return Mono.empty();
        }
    }

    @Test
    void heldBroadcastCountsTheSubscribersItWillReachButNotTheExcludedOne() {
        hub = WsHub.create(WsHubOptions.builder().scheduler(time).closeDrainPeriod(Duration.ZERO)
                .broker(new RecordingBroker()).history(new SkippingHistory()).build());
        List<String> ids = new ArrayList<>();
        for (String user : List.of("ann", "bob", "cid")) {
            hub.serve(new FakeTransport(), Admission.accepted(user)).subscribe();
            String id = hub.admin().connections(user, null).get(0).connectionId();
            assertThat(hub.subscribe(id, "t")).isTrue();
            ids.add(id);
        }

        assertThat(hub.broadcast("t", "n", 1)).as("delivered at once").isEqualTo(3);
        assertThat(hub.broadcast("t", "n", 2, Set.of(ids.get(0))))
                .as("held behind the missing offset: will reach bob and cid, not the excluded ann")
                .isEqualTo(2);
    }
}
