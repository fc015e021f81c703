package io.reactivewspool.broker.redis;

import java.time.Duration;
import java.util.List;

import io.reactivewspool.history.HistoryOptions;
import io.reactivewspool.history.TopicHistory;
import io.reactivewspool.history.TopicHistory.Replay;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.testsupport.RedisServerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What a failover does to the stream history when the promoted replica lacks the old master's
 * last appends (Redis replicates asynchronously): those offsets must never be handed out again
 * to other messages. Made deterministic with a replica promoted by {@code REPLICAOF NO ONE} while
 * the old master goes on taking an append the replica never sees.
 */
class PromotedReplicaHistoryIT {

    private static final Duration T = Duration.ofSeconds(10);
    private static final HistoryOptions OPTIONS = HistoryOptions.builder().size(100).ttl(Duration.ofMinutes(1)).build();

    private RedisServerProcess master;
    private RedisServerProcess replica;
    private RedisBroker onMaster;
    private RedisBroker onReplica;

    @BeforeEach
    void start() {
        master = RedisServerProcess.start();
        replica = RedisServerProcess.start(List.of("--replicaof", "127.0.0.1", Integer.toString(master.port())));
        await().atMost(T).until(() -> replica.command("INFO", "replication").contains("master_link_status:up"));
        onMaster = RedisBroker.connect(RedisBrokerOptions.builder(master.uri()).channelPrefix("failover").build()).block(T);
        onReplica = RedisBroker.connect(RedisBrokerOptions.builder(replica.uri()).channelPrefix("failover").build()).block(T);
    }

    @AfterEach
    void stop() {
        onMaster.close().block(T);
        onReplica.close().block(T);
        replica.close();
        master.close();
    }

    @Test
    void aPromotedReplicaThatLostAppendsNeverRenumbersTheirOffsets() {
        TopicHistory old = onMaster.history(OPTIONS, WsCodec.json());
        TopicHistory promoted = onReplica.history(OPTIONS, WsCodec.json());
        old.append("news", WsMessage.data("news", 1)).block(T);
        String second = old.append("news", WsMessage.data("news", 2)).block(T).offset();
        await().atMost(T).until(() -> "2".equals(replica.command("GET", "failover:hs:news").trim()));

        replica.command("REPLICAOF", "NO", "ONE");
        // Acknowledged by the old master, never replicated: lost in the failover.
        String lost = old.append("news", WsMessage.data("news", 3)).block(T).offset();
        WsMessage afterFailover = promoted.append("news", WsMessage.data("news", 4)).block(T);

        assertThat(afterFailover.offset()).as("the first offset after the failover (lost one: %s)", lost)
                .isNotEqualTo(lost);
        Replay fromLost = promoted.since("news", lost).block(T);
        assertThat(fromLost.recovered()).as("a subscriber that saw the lost message is told it cannot be "
                + "recovered, not handed message 4 under another number or nothing at all").isFalse();
        Replay fromSecond = promoted.since("news", second).block(T);
        assertThat(fromSecond.recovered()).as("offsets of the old master are of an older epoch").isFalse();
        assertThat(promoted.since("news", afterFailover.offset()).block(T).recovered()).isTrue();
        assertThat(promoted.append("news", WsMessage.data("news", 5)).block(T).offset())
                .as("the new epoch numbers on").startsWith(afterFailover.offset().substring(0,
                        afterFailover.offset().indexOf(':') + 1));
    }
}
