package io.reactivewspool.bench.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.reactivewspool.bench.chaos.ChaosChecker.Entry;
import io.reactivewspool.bench.chaos.ChaosChecker.Publish;
import org.junit.jupiter.api.Test;

class ChaosCheckerTest {

    private static final String T = "chaos.t1";
    private final Map<String, Publish> publishes = new HashMap<>();
    private final List<Entry> log = new ArrayList<>();
    private long clock;

    /** Publishes m1..mN one after the other (each acked before the next is sent). */
    private void publish(int n) {
        for (int i = 1; i <= n; i++) {
            long sent = clock += 10;
            long ack = clock += 10;
            publishes.put("m" + i, new Publish("m" + i, T, "hub1", sent, ack));
        }
    }

    private void deliver(String id, String offset) {
        log.add(Entry.delivery(T, id, offset, clock += 1));
    }

    private void gap() {
        log.add(Entry.gapMarker(T, clock += 1));
    }

    private ChaosChecker.Verdict check() {
        return ChaosChecker.check(publishes, Map.of("sub1", log), Map.of("sub1", List.of(T)));
    }

    @Test
    void everyMessageOnceAndInOrderPasses() {
        publishes.put("p", new Publish("p", T, "hub1", 0, 1));
        deliver("p", "e:1");
        publish(3);
        deliver("m1", "e:2");
        deliver("m2", "e:3");
        deliver("m3", "e:4");
        ChaosChecker.Verdict v = check();
        assertThat(v.passed()).as(v.findings().toString()).isTrue();
        assertThat(v.deliveries()).isEqualTo(4);
        assertThat(v.silentLosses()).isZero();
    }

    @Test
    void aMissingAcknowledgedMessageWithoutAGapIsASilentLoss() {
        publishes.put("p", new Publish("p", T, "hub1", 0, 1));
        deliver("p", "e:1");
        publish(3);
        deliver("m1", "e:2");
        deliver("m3", "e:4");
        ChaosChecker.Verdict v = check();
        assertThat(v.passed()).isFalse();
        assertThat(v.silentLosses()).isEqualTo(1);
        assertThat(v.findings()).anyMatch(f -> f.contains("silent loss") && f.contains("m2"));
    }

    @Test
    void aMissingMessageWithAGapWhereItBelongsIsTold() {
        publishes.put("p", new Publish("p", T, "hub1", 0, 1));
        deliver("p", "e:1");
        publish(3);
        deliver("m1", "e:2");
        gap();
        deliver("m3", "f:1");
        ChaosChecker.Verdict v = check();
        assertThat(v.passed()).as(v.findings().toString()).isTrue();
        assertThat(v.coveredByGap()).isEqualTo(1);
        assertThat(v.gapsReported()).isEqualTo(1);
    }

    @Test
    void aGapElsewhereDoesNotTellALossBeforeIt() {
        publishes.put("p", new Publish("p", T, "hub1", 0, 1));
        deliver("p", "e:1");
        publish(4);
        deliver("m1", "e:2");
        deliver("m3", "e:4"); // m2 lost here, silently
        gap();
        deliver("m4", "f:1");
        ChaosChecker.Verdict v = check();
        assertThat(v.silentLosses()).isEqualTo(1);
    }

    @Test
    void duplicatesPhantomsAndDisorderAreFound() {
        publishes.put("p", new Publish("p", T, "hub1", 0, 1));
        deliver("p", "e:1");
        publish(3);
        deliver("m2", "e:3");
        deliver("m1", "e:2");
        deliver("m1", "e:2");
        deliver("m3", "e:4");
        deliver("never-published", "e:5");
        ChaosChecker.Verdict v = check();
        assertThat(v.passed()).isFalse();
        assertThat(v.duplicates()).isEqualTo(1);
        assertThat(v.phantoms()).isEqualTo(1);
        assertThat(v.outOfOrder()).isEqualTo(2);
    }

    @Test
    void messagesWithoutAcknowledgementAreNotOwedButMayArrive() {
        publishes.put("p", new Publish("p", T, "hub1", 0, 1));
        deliver("p", "e:1");
        publish(2);
        publishes.put("u1", new Publish("u1", T, "hub1", clock += 10, -1));
        publishes.put("u2", new Publish("u2", T, "hub1", clock += 10, -1));
        deliver("m1", "e:2");
        deliver("m2", "e:3");
        deliver("u1", "e:4");
        ChaosChecker.Verdict v = check();
        assertThat(v.passed()).as(v.findings().toString()).isTrue();
        assertThat(v.unackedDelivered()).isEqualTo(1);
    }

    @Test
    void messagesSentBeforeTheFirstDeliveryAreNotOwed() {
        publish(2);
        deliver("m2", "e:3");
        ChaosChecker.Verdict v = check();
        assertThat(v.passed()).as(v.findings().toString()).isTrue();
    }
}
