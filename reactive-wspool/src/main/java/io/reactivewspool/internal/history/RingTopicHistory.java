package io.reactivewspool.internal.history;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

import io.reactivewspool.history.HistoryOptions;
import io.reactivewspool.history.TopicHistory;
import io.reactivewspool.message.WsMessage;
import reactor.core.publisher.Mono;

/**
 * In-memory history: a bounded ring per topic. Each topic's ring is guarded by its own monitor;
 * the critical sections are a few field updates, never I/O or waiting.
 *
 * <p>Each ring has its own epoch: a ring dropped by {@link #sweep} takes its sequence with it, and
 * the topic's next ring starts again at 1 under a new epoch, so an offset never names two messages.
 */
public final class RingTopicHistory implements TopicHistory {

    private static final int SWEEP_EVERY = 1024;

    private final HistoryOptions options;
    private final Clock clock;
    /** This history's epochs start with it; a ring's epoch adds the ring's number. */
    private final String epochBase;
    private final AtomicLong ringNumbers = new AtomicLong();
    private final ConcurrentHashMap<String, Ring> rings = new ConcurrentHashMap<>();
    private final AtomicLong appends = new AtomicLong();

    public RingTopicHistory(HistoryOptions options, Clock clock) {
        this.options = options;
        this.clock = clock;
        this.epochBase = Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
    }

    @Override
    public Mono<WsMessage> append(String topic, WsMessage message) {
        return Mono.fromSupplier(() -> {
            WsMessage stored;
            // A ring swept between the lookup and the append refuses it: take the topic's new ring.
            do {
                stored = rings.computeIfAbsent(topic, t -> new Ring()).append(message);
            } while (stored == null);
            if ((appends.incrementAndGet() & (SWEEP_EVERY - 1)) == 0) {
                sweep();
            }
            return stored;
        });
    }

    /** Drops the rings whose every message has expired, so short-lived topics do not accumulate. */
    void sweep() {
        Instant now = clock.instant();
        rings.forEach((topic, ring) -> {
            if (ring.retireIfExpired(now)) {
                rings.remove(topic, ring);
            }
        });
    }

    int topicCount() {
        return rings.size();
    }

    @Override
    public Mono<Replay> since(String topic, String offset) {
        return Mono.fromSupplier(() -> {
            HistoryOffset since = HistoryOffset.parse(offset);
            Ring ring = rings.get(topic);
            if (ring == null) {
                // Nothing kept: whatever came after the offset (if anything) is gone with its ring.
                return new Replay(List.of(), false, null);
            }
            return ring.since(since);
        });
    }

    @Override
    public Mono<String> latest(String topic) {
        return Mono.fromSupplier(() -> {
            Ring ring = rings.get(topic);
            return ring == null ? null : ring.latest();
        });
    }

    @Override
    public int maxReplay() {
        return options.size();
    }

    @Override
    public Mono<Void> close() {
        return Mono.fromRunnable(rings::clear);
    }

    private record Entry(long seq, Instant at, WsMessage message) {
    }

    private final class Ring {
        private final String epoch = epochBase + "." + ringNumbers.incrementAndGet();
        private final ArrayDeque<Entry> entries = new ArrayDeque<>();
        private long lastSeq;
        private boolean retired;

        /** The offset of the last message stored here, or {@code null} when none was. */
        synchronized String latest() {
            return lastSeq == 0 ? null : epoch + ":" + lastSeq;
        }

        /** Stores the message, or returns {@code null} when this ring was swept (retired). */
        synchronized WsMessage append(WsMessage message) {
            if (retired) {
                return null;
            }
            Instant now = clock.instant();
            expire(now);
            long seq = ++lastSeq;
            WsMessage stored = message.withOffset(epoch + ":" + seq);
            entries.addLast(new Entry(seq, now, stored));
            if (entries.size() > options.size()) {
                entries.removeFirst();
            }
            return stored;
        }

        synchronized Replay since(HistoryOffset since) {
            expire(clock.instant());
            String latest = epoch + ":" + lastSeq;
            if (!epoch.equals(since.epoch()) || since.seq() > lastSeq) {
                return new Replay(List.of(), false, latest);
            }
            if (since.seq() == lastSeq) {
                return new Replay(List.of(), true, latest);
            }
            long firstKept = entries.isEmpty() ? lastSeq + 1 : entries.peekFirst().seq();
            if (firstKept > since.seq() + 1) {
                return new Replay(List.of(), false, latest);
            }
            List<WsMessage> missed = new ArrayList<>((int) (lastSeq - since.seq()));
            for (Entry e : entries) {
                if (e.seq() > since.seq()) {
                    missed.add(e.message());
                }
            }
            return new Replay(missed, true, latest);
        }

        /** Retires the ring (it takes no more appends) when every message has expired. */
        synchronized boolean retireIfExpired(Instant now) {
            expire(now);
            retired = entries.isEmpty();
            return retired;
        }

        private void expire(Instant now) {
            Instant oldest = now.minus(options.ttl());
            Iterator<Entry> it = entries.iterator();
            while (it.hasNext() && it.next().at().isBefore(oldest)) {
                it.remove();
            }
        }
    }
}
