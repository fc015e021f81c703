package io.reactivewspool.internal.client;

import org.junit.jupiter.api.Test;

import static io.reactivewspool.internal.client.DeliveredOffsets.Verdict.DUPLICATE;
import static io.reactivewspool.internal.client.DeliveredOffsets.Verdict.LATE;
import static io.reactivewspool.internal.client.DeliveredOffsets.Verdict.NEW;
import static org.assertj.core.api.Assertions.assertThat;

/** What the topic client's duplicate filter decides, offset by offset. */
class DeliveredOffsetsTest {

    private final DeliveredOffsets d = new DeliveredOffsets();

    @Test
    void anOffsetAtOrBelowTheLastDeliveredIsADuplicateWhenDeliveredAndLateWhenNot() {
        assertThat(d.admit("e:5")).isEqualTo(NEW);
        assertThat(d.admit("e:7")).isEqualTo(NEW);
        assertThat(d.admit("e:7")).isEqualTo(DUPLICATE);
        assertThat(d.admit("e:5")).isEqualTo(DUPLICATE);
        assertThat(d.admit("e:6")).isEqualTo(LATE);
        assertThat(d.admit("e:6")).as("a late one is not recorded as delivered").isEqualTo(LATE);
        assertThat(d.admit("e:8")).isEqualTo(NEW);
    }

    @Test
    void eachEpochIsOrderedOnItsOwn() {
        assertThat(d.admit("a:100")).isEqualTo(NEW);
        assertThat(d.admit("b:1")).as("a reset history starts low again").isEqualTo(NEW);
        assertThat(d.admit("a:100")).isEqualTo(DUPLICATE);
        assertThat(d.admit("b:1")).isEqualTo(DUPLICATE);
    }

    @Test
    void olderThanTheRecentOnesCannotBeToldAndIsLate() {
        for (int i = 1; i <= DeliveredOffsets.RECENT + 10; i++) {
            assertThat(d.admit("e:" + i)).isEqualTo(NEW);
        }
        assertThat(d.admit("e:" + (DeliveredOffsets.RECENT + 10))).isEqualTo(DUPLICATE);
        assertThat(d.admit("e:11")).isEqualTo(DUPLICATE);
        assertThat(d.admit("e:10")).as("forgotten: reported, never delivered twice").isEqualTo(LATE);
    }

    @Test
    void onlyTheLastEpochsAreRememberedAndOpaqueOffsetsPass() {
        for (int e = 0; e <= DeliveredOffsets.EPOCHS; e++) {
            assertThat(d.admit("epoch" + e + ":3")).isEqualTo(NEW);
        }
        assertThat(d.admit("epoch" + DeliveredOffsets.EPOCHS + ":3")).isEqualTo(DUPLICATE);
        assertThat(d.admit("epoch0:3")).as("the oldest epoch was forgotten").isEqualTo(NEW);
        assertThat(d.admit("not-an-offset")).isEqualTo(NEW);
        assertThat(d.admit("not-an-offset")).isEqualTo(NEW);
    }
}
