package io.reactivewspool.internal.redis;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import io.reactivewspool.WsException;
import io.reactivewspool.history.HistoryOptions;
import io.reactivewspool.history.TopicHistory;
import io.reactivewspool.internal.history.HistoryOffset;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;
import reactor.core.publisher.Mono;

/**
 * History in a capped Redis Stream per topic, shared by every node. Offsets come from a per-topic
 * counter incremented in the same script as the XADD, so they are gap-free and ordered across
 * nodes; an epoch key, created with the stream, changes when the whole history is lost. The
 * counter and the epoch outlive the stream ({@link #META_TTL}, at least the ttl): a quiet topic
 * whose messages expired keeps numbering on, so a subscriber that saw its last message is told
 * that nothing was missed, not that its history was reset.
 * The stored entry is the envelope without its offset, and replay sets the offset again.
 *
 * <p>Redis replicates asynchronously: when a master dies, the replica that takes over (Sentinel,
 * Cluster) may lack its last appends, and its counter would hand their offsets out again to other
 * messages, which a subscriber that saw the lost ones would take for duplicates. So each append
 * compares the server's replication id ({@code INFO replication}, {@code master_replid}: a
 * promoted replica takes a new one) with the one that made the previous append, and on a
 * change starts a new epoch, numbered from 1 in an emptied stream, as after a restart that lost
 * everything: every offset given before the failover is then answered "not recovered" (and a
 * live gap is told), never silently renumbered, and nothing of the old epoch is replayed as new. The keys of a topic share a
 * slot in a cluster ({@link RedisKeys}), so one script reaches all of them.
 */
public final class StreamTopicHistory implements TopicHistory {

    private static final String APPEND = """
            local replid = string.match(redis.call('INFO', 'replication'), 'master_replid:(%w+)') or ''
            local epoch = redis.call('GET', KEYS[3])
            local before = redis.call('GET', KEYS[4])
            if not epoch or (before and before ~= replid) then
              epoch = ARGV[3]
              redis.call('SET', KEYS[3], epoch)
              redis.call('DEL', KEYS[1], KEYS[2])
            end
            local seq = redis.call('INCR', KEYS[2])
            redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[2], seq .. '-0', 'p', ARGV[1], 't', ARGV[5])
            redis.call('SET', KEYS[4], replid)
            redis.call('PEXPIRE', KEYS[1], ARGV[4])
            redis.call('PEXPIRE', KEYS[2], ARGV[6])
            redis.call('PEXPIRE', KEYS[3], ARGV[6])
            redis.call('PEXPIRE', KEYS[4], ARGV[6])
            return {epoch, seq}
            """;

    private static final String SINCE = """
            local epoch = redis.call('GET', KEYS[3])
            local seq = redis.call('GET', KEYS[2])
            local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
            local entries = redis.call('XRANGE', KEYS[1], ARGV[1], '+', 'COUNT', ARGV[2])
            return {epoch or '', seq or '0', first, entries}
            """;

    private static final String LATEST = """
            local epoch = redis.call('GET', KEYS[3])
            local seq = redis.call('GET', KEYS[2])
            return {epoch or '', seq or '0'}
            """;

    /** How long a topic's counter and epoch outlive its last append (unless the ttl is longer). */
    static final Duration META_TTL = Duration.ofHours(24);

    private final RedisClusterReactiveCommands<byte[], byte[]> commands;
    private final RedisKeys keys;
    private final HistoryOptions options;
    private final WsCodec codec;
    private final Clock clock;

    StreamTopicHistory(RedisClusterReactiveCommands<byte[], byte[]> commands, RedisKeys keys,
                       HistoryOptions options, WsCodec codec, Clock clock) {
        this.commands = commands;
        this.keys = keys;
        this.options = options;
        this.codec = codec;
        this.clock = clock;
    }

    @Override
    public Mono<WsMessage> append(String topic, WsMessage message) {
        return Mono.defer(() -> {
            byte[] payload = codec.encode(message.withOffset(null));
            String epochCandidate = Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
            return commands.<List<Object>>eval(APPEND, ScriptOutputType.MULTI, keys.history(topic),
                    payload, bytes(Integer.toString(options.size())), bytes(epochCandidate),
                    bytes(Long.toString(options.ttl().toMillis())), bytes(Long.toString(clock.millis())),
                    bytes(Long.toString(Math.max(options.ttl().toMillis(), META_TTL.toMillis()))))
                    .next()
                    .map(reply -> message.withOffset(text(reply.get(0)) + ":" + number(reply.get(1))));
        }).onErrorMap(e -> !(e instanceof WsException), e -> new WsException(
                "redis history could not store a message of topic '" + topic + "': " + e.getMessage(), e));
    }

    @Override
    public Mono<Replay> since(String topic, String offset) {
        return Mono.defer(() -> {
            HistoryOffset since = HistoryOffset.parse(offset);
            return commands.<List<Object>>eval(SINCE, ScriptOutputType.MULTI, keys.history(topic),
                            bytes((since.seq() + 1) + "-0"), bytes(Integer.toString(options.size())))
                    .next()
                    .map(reply -> replay(since, reply));
        }).onErrorMap(e -> !(e instanceof WsException), e -> new WsException(
                "redis history could not read topic '" + topic + "': " + e.getMessage(), e));
    }

    @Override
    public Mono<String> latest(String topic) {
        return commands.<List<Object>>eval(LATEST, ScriptOutputType.MULTI, keys.history(topic))
                .next()
                .flatMap(reply -> {
                    String epoch = text(reply.get(0));
                    return epoch.isEmpty() ? Mono.empty() : Mono.just(epoch + ":" + number(reply.get(1)));
                })
                .onErrorMap(e -> !(e instanceof WsException), e -> new WsException(
                        "redis history could not read the latest offset of topic '" + topic + "': " + e.getMessage(), e));
    }

    @SuppressWarnings("unchecked")
    private Replay replay(HistoryOffset since, List<Object> reply) {
        String epoch = text(reply.get(0));
        long lastSeq = number(reply.get(1));
        String latest = epoch.isEmpty() ? null : epoch + ":" + lastSeq;
        if (epoch.isEmpty()) {
            return new Replay(List.of(), false, null);
        }
        if (!epoch.equals(since.epoch()) || since.seq() > lastSeq) {
            return new Replay(List.of(), false, latest);
        }
        if (since.seq() == lastSeq) {
            return new Replay(List.of(), true, latest);
        }
        List<Object> first = (List<Object>) reply.get(2);
        long firstKept = first.isEmpty() ? lastSeq + 1 : entrySeq((List<Object>) first.get(0));
        if (firstKept > since.seq() + 1) {
            return new Replay(List.of(), false, latest);
        }
        long oldestAllowed = clock.millis() - options.ttl().toMillis();
        List<WsMessage> missed = new ArrayList<>();
        for (Object o : (List<Object>) reply.get(3)) {
            List<Object> entry = (List<Object>) o;
            List<Object> fields = (List<Object>) entry.get(1);
            byte[] payload = null;
            long at = 0;
            for (int i = 0; i + 1 < fields.size(); i += 2) {
                String name = text(fields.get(i));
                if ("p".equals(name)) {
                    payload = (byte[]) fields.get(i + 1);
                } else if ("t".equals(name)) {
                    at = number(fields.get(i + 1));
                }
            }
            if (payload == null || at < oldestAllowed) {
                // An expired (or foreign) entry inside the gap: the gap is not fully covered.
                return new Replay(List.of(), false, latest);
            }
            missed.add(codec.decode(payload).withOffset(epoch + ":" + entrySeq(entry)));
        }
        return new Replay(missed, true, latest);
    }

    private static long entrySeq(List<Object> entry) {
        String id = text(entry.get(0));
        return Long.parseLong(id.substring(0, id.indexOf('-')));
    }

    @Override
    public int maxReplay() {
        return options.size();
    }

    @Override
    public Mono<Void> close() {
        return Mono.empty(); // the connections belong to the broker
    }

    private static String text(Object o) {
        if (o instanceof byte[] b) {
            return new String(b, StandardCharsets.UTF_8);
        }
        return String.valueOf(o);
    }

    private static long number(Object o) {
        if (o instanceof Number n) {
            return n.longValue();
        }
        return Long.parseLong(text(o));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
