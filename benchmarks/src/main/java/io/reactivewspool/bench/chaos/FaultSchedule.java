package io.reactivewspool.bench.chaos;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The faults of one campaign, drawn from its seed alone: the same seed, duration and cast give
 * the same list (times, kinds, targets, lengths). The first faults are every kind once, in a seeded
 * order, one every 1 to 3 seconds, so that even a one-minute run meets each; then kinds are drawn at
 * random, one every 2 to 8 seconds. Every fault has ended (its length is over) by {@code faultsEndMillis}.
 *
 * <pre>{@code
 * List<FaultSchedule.Fault> faults = FaultSchedule.draw(42L, 40_000, 3, 6, 3);
 * }</pre>
 */
final class FaultSchedule {

    /** What breaks. */
    enum Kind {
        /** SIGKILL a hub, start it again after the length. */
        HUB_KILL,
        /** SIGTERM a hub (it closes its connections with 1001), start it again after the length. */
        HUB_TERM,
        /** Kill redis-server and start it again, empty, after the length. */
        REDIS_RESTART,
        /** Freeze every path of one client (subscriber or publisher) for the length: longer than any heartbeat timeout. */
        FREEZE,
        /** Reset (RST) a client's paths or a hub's path to Redis. */
        RESET,
        /** Delay a client's paths or a hub's path to Redis for the length. */
        DELAY,
        /** One subscriber stops reading its socket for the length. */
        STALL
    }

    /**
     * One fault. {@code target}: a hub name ({@code hub1}), {@code redis}, or a route prefix
     * ({@code sub2-}, {@code pub1-}, {@code hub3-redis}); {@code param}: the delay in ms for DELAY.
     */
    record Fault(long atMillis, Kind kind, String target, long lengthMillis, long param) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "t=%6.1fs %-13s %-11s length=%5d ms%s", atMillis / 1000.0, kind,
                    target, lengthMillis, kind == Kind.DELAY ? " delay=" + param + " ms" : "");
        }
    }

    private FaultSchedule() {
    }

    /** The faults of a run with this seed, from 3 s to {@code faultsEndMillis}. */
    static List<Fault> draw(long seed, long faultsEndMillis, int hubs, int subscribers, int publishers) {
        Random r = new Random(seed);
        List<Kind> first = new ArrayList<>(Arrays.asList(Kind.values()));
        Collections.shuffle(first, r);
        List<Fault> out = new ArrayList<>();
        long t = 3_000;
        int i = 0;
        while (true) {
            Kind kind = i < first.size() ? first.get(i) : Kind.values()[r.nextInt(Kind.values().length)];
            i++;
            Fault f = fault(r, t, kind, hubs, subscribers, publishers);
            if (f.atMillis() + f.lengthMillis() > faultsEndMillis) {
                if (i > first.size() + 20) {
                    break; // several kinds tried and none fits what is left: done
                }
                continue;
            }
            out.add(f);
            // every kind once, close together (they overlap), then one every 2 to 8 s
            t += i < first.size() ? 1_000 + r.nextInt(2_001) : 2_000 + r.nextInt(6_001);
        }
        return out;
    }

    private static Fault fault(Random r, long t, Kind kind, int hubs, int subscribers, int publishers) {
        String hub = "hub" + (1 + r.nextInt(hubs));
        String client = r.nextInt(subscribers + publishers) < subscribers
                ? "sub" + (1 + r.nextInt(subscribers)) + "-" : "pub" + (1 + r.nextInt(publishers)) + "-";
        return switch (kind) {
            case HUB_KILL, HUB_TERM -> new Fault(t, kind, hub, 1_000 + r.nextInt(3_001), 0);
            case REDIS_RESTART -> new Fault(t, kind, "redis", 500 + r.nextInt(2_001), 0);
            case FREEZE -> new Fault(t, kind, client, 6_000 + r.nextInt(4_001), 0);
            case RESET -> new Fault(t, kind, r.nextInt(4) == 0 ? hub + "-redis" : client, 0, 0);
            case DELAY -> new Fault(t, kind, r.nextInt(4) == 0 ? hub + "-redis" : client, 2_000 + r.nextInt(6_001),
                    20 + r.nextInt(381));
            case STALL -> new Fault(t, kind, "sub" + (1 + r.nextInt(subscribers)) + "-", 3_000 + r.nextInt(7_001), 0);
        };
    }
}
