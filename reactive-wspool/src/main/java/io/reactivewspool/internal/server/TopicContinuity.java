package io.reactivewspool.internal.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

import io.reactivewspool.history.TopicHistory;
import io.reactivewspool.internal.history.HistoryOffset;
import io.reactivewspool.message.WsMessage;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Keeps this node's live delivery of each topic gap-free in a cluster with a shared history.
 * Offsets of a topic are consecutive (one counter in the history for every node), so a message
 * whose offset is not the next one says that some were not delivered here: their node lost Redis
 * between storing and publishing, this node's subscription to the broker was down, or another
 * node's message simply arrives after this node's own later one. The later messages are then
 * held, the missing ones read from the history and delivered first, in offset order. What the
 * history cannot give (trimmed, expired, reset by a Redis restart: a new epoch) is told to the
 * topic's subscribers with a {@code gap} message, so that no subscriber misses a message silently.
 *
 * <p>Per topic, one monitor guards the last delivered offset and the held messages; deliveries
 * run under it (they only queue frames), so they leave in offset order whichever thread (the
 * broker's, a broadcaster's, the history's) brings them.
 */
final class TopicContinuity {

    /** Messages held per topic while the history is read; past that the gap is reported instead. */
    static final int MAX_HELD = 8192;

    /** Where messages go. */
    interface Delivery {
        /** Delivers a message read from the history to this node's subscribers of the topic. */
        void replayed(String topic, WsMessage message);

        /** Tells the topic's subscribers here that messages before {@code resumeAfter} are lost to them. */
        void gap(String topic, HistoryOffset resumeAfter, String reason);
    }

    private final TopicHistory history;
    private final Delivery delivery;
    private final BiConsumer<String, Throwable> onReadFailed;
    private final ConcurrentHashMap<String, Track> tracks = new ConcurrentHashMap<>();

    TopicContinuity(TopicHistory history, Delivery delivery, BiConsumer<String, Throwable> onReadFailed) {
        this.history = history;
        this.delivery = delivery;
        this.onReadFailed = onReadFailed;
    }

    /**
     * Starts following a topic (it got its first subscriber here): its live messages are held until
     * {@link #start} has read where the topic stands.
     */
    void watch(String topic) {
        tracks.putIfAbsent(topic, new Track(topic));
    }

    /**
     * Reads the topic's latest offset from the history, to be called once this node receives the
     * topic's live messages: what is stored after it is delivered in offset order, a message that
     * arrives after a later one included; what is stored up to it is older than the subscription
     * and not delivered live. Never fails: when the history cannot tell within {@code timeout},
     * the topic is ordered from the first message that arrives, as before. The subscribe reply
     * waits for this.
     */
    Mono<Void> start(String topic, Duration timeout) {
        Track t = tracks.get(topic);
        if (t == null) {
            return Mono.empty();
        }
        return history.latest(topic)
                .timeout(timeout, Schedulers.parallel())
                .map(TopicContinuity::parse)
                .doOnNext(top -> t.started(top, true))
                .switchIfEmpty(Mono.fromRunnable(() -> t.started(null, true)))
                .onErrorResume(e -> {
                    if (!(e instanceof UnsupportedOperationException)) {
                        onReadFailed.accept(topic, e);
                    }
                    t.started(null, false);
                    return Mono.empty();
                })
                .then();
    }

    /** Stops following a topic (it lost its last subscriber here). */
    void forget(String topic) {
        tracks.remove(topic);
    }

    /**
     * Runs {@code deliver} for a live message of {@code topic} with {@code offset}, now, later
     * (after the messages missing before it), or never (already delivered from the history).
     */
    void accept(String topic, String offset, Runnable deliver) {
        Track t = offset == null ? null : tracks.get(topic);
        HistoryOffset o = t == null ? null : parse(offset);
        if (o == null) {
            deliver.run(); // not stored (no offset, or a topic nobody here follows): nothing to order
            return;
        }
        t.accept(o, deliver);
    }

    int tracked() {
        return tracks.size();
    }

    private static HistoryOffset parse(String offset) {
        try {
            return HistoryOffset.parse(offset);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** A live message that came while its topic's start was read. */
    private record Arrival(HistoryOffset offset, Runnable deliver) {
    }

    /** What a read of the history is to be: from where, and its number. */
    private record Read(HistoryOffset from, long number) {
    }

    private final class Track {
        final String topic;
        // all guarded by this
        /** Arrivals while the start is read, in arrival order; {@code null} once started. */
        List<Arrival> starting = new ArrayList<>();
        /** Whether the start was read: a message then is the next one or not, even the first. */
        boolean startKnown;
        HistoryOffset last;
        /** Held while the history is read, by sequence; all of {@code last}'s epoch. */
        final TreeMap<Long, Runnable> held = new TreeMap<>();
        /**
         * The first sequence delivered in {@code last}'s epoch. Earlier ones were published before
         * this node followed the topic, or raced the first one here: those arrive at most once,
         * and are delivered late rather than dropped.
         */
        long first;
        /** Non-zero while a read is out; a read whose number is no longer this one is ignored. */
        long reading;
        long reads;

        Track(String topic) {
            this.topic = topic;
        }

        void accept(HistoryOffset o, Runnable deliver) {
            Read read;
            synchronized (this) {
                if (starting != null) {
                    starting.add(new Arrival(o, deliver));
                    if (starting.size() <= MAX_HELD) {
                        return;
                    }
                    read = endStart(null, false); // held too many: order from what came, as without a start
                } else {
                    read = acceptLocked(o, deliver);
                }
            }
            if (read != null) {
                read(read.from(), read.number());
            }
        }

        /** Where the topic stood when this node began to receive it ({@code top} null: nothing stored, or unknown). */
        void started(HistoryOffset top, boolean known) {
            Read read;
            synchronized (this) {
                if (starting == null) {
                    return;
                }
                read = endStart(top, known);
            }
            if (read != null) {
                read(read.from(), read.number());
            }
        }

        /** Ends the start, then takes what arrived meanwhile in arrival order. Under this monitor. */
        private Read endStart(HistoryOffset top, boolean known) {
            List<Arrival> arrived = starting;
            starting = null;
            startKnown = known;
            if (known && top != null) {
                last = top;
            }
            Read read = null;
            for (Arrival a : arrived) {
                Read r = acceptLocked(a.offset(), a.deliver());
                read = r != null ? r : read;
            }
            return read;
        }

        /** Delivers, holds or drops one live message; returns the history read to make, if one is to start. Under this monitor. */
        private Read acceptLocked(HistoryOffset o, Runnable deliver) {
            if (last == null && startKnown) {
                // Nothing was stored when this node began to receive the topic: this message's
                // epoch starts at 0, and a message before it that has not come yet is read.
                last = new HistoryOffset(o.epoch(), 0);
            }
            if (last != null && !last.epoch().equals(o.epoch())) {
                // A new history (Redis restarted, or the topic's history expired): whatever came
                // after `last` in the old one cannot be read any more.
                giveUp("history reset while messages were missing");
                last = new HistoryOffset(o.epoch(), 0);
                first = 0;
                delivery.gap(topic, last, "history reset");
            }
            if (last == null) {
                first = o.seq();
            }
            if (last == null || o.seq() == last.seq() + 1) {
                deliver.run();
                last = o;
                releaseHeld(); // a read is out for a later gap, or nothing is held
                return null;
            }
            if (!startKnown && o.seq() < first) {
                deliver.run();
                return null;
            }
            if (o.seq() <= last.seq()) {
                return null; // delivered already (from the history), or stored before this node received the topic
            }
            held.put(o.seq(), deliver);
            if (reading != 0) {
                if (held.size() > MAX_HELD) {
                    giveUp("too many messages held while the history was read");
                }
                return null;
            }
            reading = ++reads;
            return new Read(last, reading);
        }

        private void read(HistoryOffset from, long read) {
            history.since(topic, from.toString()).subscribe(
                    replay -> replayed(read, replay),
                    e -> {
                        onReadFailed.accept(topic, e);
                        failed(read);
                    },
                    () -> failed(read)); // no answer at all: ignored unless this read is still out
        }

        private void replayed(long read, TopicHistory.Replay replay) {
            HistoryOffset next;
            long again;
            synchronized (this) {
                if (reading != read) {
                    return;
                }
                if (!replay.recovered()) {
                    giveUp("no longer in the history");
                    return;
                }
                for (WsMessage m : replay.messages()) {
                    HistoryOffset o = parse(m.offset());
                    if (o == null || !o.epoch().equals(last.epoch()) || o.seq() <= last.seq()) {
                        continue;
                    }
                    if (o.seq() != last.seq() + 1) {
                        break; // cannot happen with a recovered replay; the held messages tell
                    }
                    // The live copy (if it came) keeps its exclusions; the history's has none.
                    Runnable live = held.remove(o.seq());
                    if (live != null) {
                        live.run();
                    } else {
                        delivery.replayed(topic, m);
                    }
                    last = o;
                }
                reading = 0;
                next = releaseHeld();
                if (next == null) {
                    return;
                }
                again = reading = ++reads;
            }
            read(next, again);
        }

        private void failed(long read) {
            synchronized (this) {
                if (reading != read) {
                    return;
                }
                giveUp("history read failed");
            }
        }

        /**
         * Delivers the held messages that follow {@code last}; returns where to read from when one
         * is still missing before the rest, else {@code null}. Under this monitor.
         */
        private HistoryOffset releaseHeld() {
            while (!held.isEmpty()) {
                Map.Entry<Long, Runnable> first = held.firstEntry();
                if (first.getKey() <= last.seq()) {
                    held.pollFirstEntry();
                } else if (first.getKey() == last.seq() + 1) {
                    held.pollFirstEntry().getValue().run();
                    last = new HistoryOffset(last.epoch(), first.getKey());
                } else {
                    return last;
                }
            }
            return null;
        }

        /**
         * Ends the read in flight (its answer is ignored) and delivers the held messages, each gap
         * before one of them reported first. Under this monitor.
         */
        private void giveUp(String reason) {
            reading = 0;
            long prev = last == null ? 0 : last.seq();
            for (Map.Entry<Long, Runnable> e : held.entrySet()) {
                if (e.getKey() != prev + 1) {
                    delivery.gap(topic, new HistoryOffset(last.epoch(), e.getKey() - 1), reason);
                }
                e.getValue().run();
                prev = e.getKey();
            }
            if (!held.isEmpty()) {
                last = new HistoryOffset(last.epoch(), prev);
                held.clear();
            }
        }
    }
}
