package io.reactivewspool.internal.history;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;

import io.reactivewspool.WsProtocolException;
import io.reactivewspool.history.HistoryOptions;
import io.reactivewspool.history.TopicHistory.Replay;
import io.reactivewspool.message.WsMessage;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RingTopicHistoryTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final MutableClock clock = new MutableClock();
    private final RingTopicHistory history = new RingTopicHistory(
            HistoryOptions.builder().size(3).ttl(Duration.ofSeconds(60)).build(), clock);

    private String append(String topic, int n) {
        return history.append(topic, WsMessage.data(topic, n)).block(TIMEOUT).offset();
    }

    @Test
    void offsetsIncreaseWithinATopicAndAreIndependentAcrossTopics() {
        String a1 = append("a", 1);
        String a2 = append("a", 2);
        String b1 = append("b", 1);
        assertThat(HistoryOffset.parse(a2).seq()).isEqualTo(HistoryOffset.parse(a1).seq() + 1);
        assertThat(HistoryOffset.parse(b1).seq()).isEqualTo(1);
    }

    @Test
    void replaysWhatWasMissedInOrderWithoutDuplicates() {
        String first = append("a", 1);
        append("a", 2);
        String third = append("a", 3);

        Replay r = history.since("a", first).block(TIMEOUT);

        assertThat(r.recovered()).isTrue();
        assertThat(r.messages()).extracting(m -> m.data().asInt()).containsExactly(2, 3);
        assertThat(r.offset()).isEqualTo(third);
    }

    @Test
    void upToDateOffsetRecoversNothingMissing() {
        String last = append("a", 1);
        Replay r = history.since("a", last).block(TIMEOUT);
        assertThat(r.recovered()).isTrue();
        assertThat(r.messages()).isEmpty();
    }

    @Test
    void gapBeyondTheRingIsNotRecovered() {
        String first = append("a", 1);
        for (int i = 2; i <= 5; i++) {
            append("a", i); // ring of 3 keeps 3, 4, 5: message 2 is gone
        }
        Replay r = history.since("a", first).block(TIMEOUT);
        assertThat(r.recovered()).isFalse();
        assertThat(r.messages()).isEmpty();
    }

    @Test
    void expiredMessagesAreNotRecovered() {
        String first = append("a", 1);
        append("a", 2);
        clock.advance(Duration.ofSeconds(61));
        Replay r = history.since("a", first).block(TIMEOUT);
        assertThat(r.recovered()).isFalse();
    }

    @Test
    void offsetFromAnotherEpochIsNotRecovered() {
        append("a", 1);
        Replay r = history.since("a", "otherepoch:1").block(TIMEOUT);
        assertThat(r.recovered()).isFalse();
    }

    @Test
    void malformedOffsetIsAProtocolErrorNamingTheField() {
        assertThatThrownBy(() -> history.since("a", "garbage").block(TIMEOUT))
                .isInstanceOf(WsProtocolException.class)
                .hasMessageContaining("data.since must be an offset");
        assertThatThrownBy(() -> history.since("a", "e:-1").block(TIMEOUT)).isInstanceOf(WsProtocolException.class);
        assertThatThrownBy(() -> history.since("a", "e:").block(TIMEOUT)).isInstanceOf(WsProtocolException.class);
    }

    @Test
    void sweepDropsTopicsWhoseMessagesAllExpired() {
        append("short-lived", 1);
        append("busy", 1);
        clock.advance(Duration.ofSeconds(61));
        append("busy", 2);
        history.sweep();
        assertThat(history.topicCount()).isEqualTo(1);
    }

    @Test
    void aRingCreatedAfterTheOldOneExpiredNeverReusesItsOffsets() {
        String seenBeforeExpiry = append("a", 1);
        clock.advance(Duration.ofSeconds(61));
        history.sweep(); // the ring of "a" expired and is dropped
        String firstOfNewRing = append("a", 2);
        append("a", 3);

        assertThat(firstOfNewRing).as("an offset names one message only").isNotEqualTo(seenBeforeExpiry);
        Replay r = history.since("a", seenBeforeExpiry).block(TIMEOUT);
        assertThat(r.recovered()).as("message 2 was missed and must not be skipped: %s", r).isFalse();
        assertThat(r.messages()).isEmpty();
    }

    @Test
    void optionsNameTheBadField() {
        assertThatThrownBy(() -> HistoryOptions.builder().size(0)).hasMessage("size must be between 1 and 1000000, was 0");
        assertThatThrownBy(() -> HistoryOptions.builder().ttl(Duration.ZERO)).hasMessage("ttl must be > 0, was PT0S");
    }

    private static final class MutableClock extends Clock {
        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
