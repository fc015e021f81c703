package io.reactivewspool.bench.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.List;

import org.junit.jupiter.api.Test;

class FaultScheduleTest {

    @Test
    void theSameSeedDrawsTheSameSchedule() {
        List<FaultSchedule.Fault> a = FaultSchedule.draw(42, 45_000, 3, 6, 3);
        List<FaultSchedule.Fault> b = FaultSchedule.draw(42, 45_000, 3, 6, 3);
        List<FaultSchedule.Fault> c = FaultSchedule.draw(43, 45_000, 3, 6, 3);
        assertThat(a).isEqualTo(b).isNotEqualTo(c);
    }

    @Test
    void aShortRunMeetsEveryKindAndEveryFaultEndsInTime() {
        for (long seed = 0; seed < 50; seed++) {
            List<FaultSchedule.Fault> faults = FaultSchedule.draw(seed, 45_000, 3, 6, 3);
            EnumSet<FaultSchedule.Kind> kinds = EnumSet.noneOf(FaultSchedule.Kind.class);
            for (FaultSchedule.Fault f : faults) {
                kinds.add(f.kind());
                assertThat(f.atMillis() + f.lengthMillis()).as("seed %d: %s", seed, f).isLessThanOrEqualTo(45_000);
            }
            assertThat(kinds).as("seed %d", seed).containsExactlyInAnyOrder(FaultSchedule.Kind.values());
        }
    }

    @Test
    void aLongRunKeepsDrawingFaults() {
        List<FaultSchedule.Fault> faults = FaultSchedule.draw(7, 30 * 60_000 - 30_000, 3, 6, 3);
        assertThat(faults.size()).isBetween(250, 500);
        assertThat(faults.get(faults.size() - 1).atMillis()).isGreaterThan(29 * 60_000 - 60_000);
    }
}
