package io.reactivewspool.internal.redis;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import io.reactivewspool.broker.BrokerMessage;
import io.reactivewspool.broker.BrokerMessage.Kind;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BrokerFrameTest {

    private static final byte[] PAYLOAD = "{\"type\":\"x\",\"data\":\"ü\"}".getBytes(StandardCharsets.UTF_8);

    @Test
    void everyPartRoundTripsExactlyWhateverItsCharactersAndLength() {
        List<String> targets = List.of("cn=ann,ou=ops", "a,b", "", " ", "Zoë 名前 \uD83D\uDE80", "say \"hi\" 'x' \\",
                "ü".repeat(40_000));
        BrokerMessage m = new BrokerMessage(Kind.USER, targets, PAYLOAD, "node,1 ü", Set.of("c,1", "c 2", ""));

        BrokerFrame.Decoded d = BrokerFrame.decode(BrokerFrame.encode(m, -42L));

        assertThat(d.id()).isEqualTo(-42L);
        assertThat(d.message().kind()).isEqualTo(Kind.USER);
        assertThat(d.message().targets()).containsExactlyElementsOf(targets);
        assertThat(d.message().originNodeId()).isEqualTo("node,1 ü");
        assertThat(d.message().excludedConnectionIds()).containsExactlyInAnyOrder("c,1", "c 2", "");
        assertThat(d.message().payload()).isEqualTo(PAYLOAD);
    }

    @Test
    void everyTruncationIsAMalformedFrameNeverAnotherError() {
        byte[] frame = BrokerFrame.encode(new BrokerMessage(Kind.TOPIC, List.of("a", "b"), PAYLOAD, "n", Set.of("c")), 7);
        int headerEnd = frame.length - PAYLOAD.length;
        for (int cut = 0; cut < headerEnd; cut++) {
            byte[] truncated = Arrays.copyOf(frame, cut);
            assertThatThrownBy(() -> BrokerFrame.decode(truncated)).as("cut at %d", cut)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aCountOrLengthBeyondTheFrameIsRefusedBeforeAnythingIsAllocated() {
        byte[] frame = BrokerFrame.encode(new BrokerMessage(Kind.TOPIC, "a", PAYLOAD, "n", Set.of()), 7);
        int countAt = 1 + 1 + 4 + 1 + 8;
        frame[countAt] = 0x7f; // about two billion targets
        assertThatThrownBy(() -> BrokerFrame.decode(frame)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("strings in");
        frame[countAt] = 0;
        frame[countAt + 4 + 0] = 0x7f; // the first target claims about two gigabytes
        assertThatThrownBy(() -> BrokerFrame.decode(frame)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bytes");
        assertThatThrownBy(() -> BrokerFrame.decode(new byte[] {3, 0})).hasMessage("unknown broker frame version 3");
    }
}
