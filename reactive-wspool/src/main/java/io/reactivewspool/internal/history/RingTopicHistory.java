package io.reactivewspool.internal.history;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

import io.reactivewspool.history.HistoryOptions;
import io.reactivewspool.history.TopicHistory;
import io.reactivewspool.message.WsMessage;
import reactor.core.publisher.Mono;

/**
 * In-memory history: a bounded ring per topic. Each topic's ring is guarded by its own monitor;
 * the critical sections are a few field updates, never I/O or waiting.
 */
public final class RingTopicHistory implements TopicHistory {

    private static final int SWEEP_EVERY = 1024;

    private final HistoryOptions options;
    private final Clock clock;
    private final String epoch;
    private final ConcurrentHashMap<String, Ring> rings = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong appends = new java.util.concurrent.atomic.AtomicLong();

    public RingTopicHistory(HistoryOptions options, Clock clock) {
        this.options = options;
        this.clock = clock;
        this.epoch = Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
    }

    @Override
    public Mono<WsMessage> append(String topic, WsMessage message) {
        return Mono.fromSupplier(() -> {
            WsMessage stored = rings.computeIfAbsent(topic, t -> new Ring()).append(message);
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
            if (ring.expiredEmpty(now)) {
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
                // Nothing stored under this epoch: recoverable only if the offset is of this epoch and nothing came since.
                return new Replay(List.of(), epoch.equals(since.epoch()) && since.seq() == 0, null);
            }
            return ring.since(since);
        });
    }

    @Override
    public Mono<Void> close() {
        return Mono.fromRunnable(rings::clear);
    }

    private record Entry(long seq, Instant at, WsMessage message) {
    }

    private final class Ring {
        private final ArrayDeque<Entry> entries = new ArrayDeque<>();
        private long lastSeq;

        synchronized WsMessage append(WsMessage message) {
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

        synchronized boolean expiredEmpty(Instant now) {
            expire(now);
            return entries.isEmpty();
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
