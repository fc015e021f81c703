package io.reactivewspool.internal.server;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Function;

import reactor.core.publisher.Mono;

/**
 * Tells the broker whether this node wants a topic, in the order the topic came and went.
 *
 * <p>A topic's first subscriber and its last can leave and arrive on different threads in any
 * interleaving, so the registry's changes are not handed to the broker as they happen (a
 * withdrawal could then overtake the declaration made after it and leave the node deaf).
 * Instead each topic has a lane that makes one broker call at a time: whoever finds the lane
 * idle reads the registry, declares or withdraws to match it, waits for the broker's answer and
 * reads again, until the broker was last told what the registry says. A change made while a
 * call is out is picked up when it returns; a topic that went and came back meanwhile costs no
 * call at all.
 */
final class TopicInterest {

    private static final class Lane {
        /** Changes not yet looked at, plus one while a drain runs; guarded by the lanes map's compute. */
        int wip;
        /** What the broker was last told; written by the lane's one drainer at a time. */
        volatile boolean declared;
    }

    private final ConcurrentHashMap<String, Lane> lanes = new ConcurrentHashMap<>();
    private final BiFunction<String, Boolean, Mono<Void>> broker;
    private final Function<String, Topics.Topic> registry;

    /**
     * @param broker   (topic, on) declares or withdraws the interest; completes (or fails) when
     *                 the broker has taken it, and must terminate (the hub bounds it with a timeout)
     * @param registry the topic of that name now, or {@code null} when it has no subscribers
     */
    TopicInterest(BiFunction<String, Boolean, Mono<Void>> broker, Function<String, Topics.Topic> registry) {
        this.broker = broker;
        this.registry = registry;
    }

    /** To be called after the registry created or removed the topic {@code name}. */
    void changed(String name) {
        Lane[] won = {null};
        lanes.compute(name, (k, lane) -> {
            Lane l = lane == null ? new Lane() : lane;
            if (l.wip++ == 0) {
                won[0] = l;
            }
            return l;
        });
        if (won[0] != null) {
            drain(name, won[0], 1);
        }
    }

    private void drain(String name, Lane lane, int missed) {
        for (;;) {
            Topics.Topic topic = registry.apply(name);
            boolean wanted = topic != null;
            if (wanted != lane.declared) {
                lane.declared = wanted;
                if (!tell(name, lane, wanted, missed)) {
                    return; // the broker's answer resumes this drain
                }
                continue;
            }
            if (topic != null) {
                // The broker carries the topic here and no call is out: subscribe replies may go.
                topic.markReady();
            }
            int seen = missed;
            int[] left = {0};
            lanes.compute(name, (k, l) -> {
                l.wip -= seen;
                left[0] = l.wip;
                // A lane with nothing to do that the broker holds nothing for is not kept.
                return l.wip == 0 && !l.declared ? null : l;
            });
            if (left[0] == 0) {
                return;
            }
            missed = left[0];
        }
    }

    /**
     * Makes one broker call; {@code true} when it answered before this returned (the caller goes
     * on), {@code false} when the answer will resume the drain on its own thread.
     */
    private boolean tell(String name, Lane lane, boolean on, int missed) {
        // 0: out, 1: answered inline, 2: left to the answer's thread.
        AtomicInteger state = new AtomicInteger();
        Runnable answered = () -> {
            if (!state.compareAndSet(0, 1)) {
                drain(name, lane, missed);
            }
        };
        // A failed call is the broker function's to report; the lane moves on either way.
        Mono.defer(() -> broker.apply(name, on)).subscribe(null, e -> answered.run(), answered);
        return !state.compareAndSet(0, 2);
    }
}
