package io.reactivewspool.bench.chaos;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides from what every party saw whether anything was lost without anyone being told. Pure:
 * it reads the publishers' records and each subscriber's log and nothing else.
 *
 * <p>A subscriber's log of a topic is what {@code WsTopicClient} gave it, in order: deliveries
 * (message id, offset) and gap markers (a topic on {@code gaps()}). The rules, per subscriber and
 * topic:
 * <ul>
 * <li><b>phantom</b>: a delivered id that no publisher sent;</li>
 * <li><b>duplicate</b>: an id delivered more than once;</li>
 * <li><b>out of order</b>: a delivery whose offset is not above the previous one of the same epoch
 * (offsets are {@code EPOCH:SEQ}; a new epoch is a reset history);</li>
 * <li><b>silent loss</b>: a publish acknowledged with {@code published}, sent after the subscriber's
 * first delivery of the topic (from then on it is subscribed), that it never received, with no gap
 * marker where the message belongs. Where it belongs: after the last delivery known to come before
 * it (an earlier offset of the same epoch, or a message acknowledged before it was sent) and before
 * the first delivery known to come after it (a later offset of the same epoch, or a message sent
 * after it was acknowledged). Its offset is known when any subscriber received it.</li>
 * </ul>
 * A message whose publish was not acknowledged (a timeout, a closed connection) may or may not
 * arrive; it is not a phantom, and it is not owed to anyone.
 *
 * <pre>{@code
 * ChaosChecker.Verdict v = ChaosChecker.check(publishes, logs);
 * if (!v.passed()) { v.findings().forEach(System.out::println); }
 * }</pre>
 */
final class ChaosChecker {

    private ChaosChecker() {
    }

    /** One publish as its publisher saw it. {@code ackNanos} is -1 when no {@code published} came back. */
    record Publish(String id, String topic, String via, long sentNanos, long ackNanos) {
        boolean acked() {
            return ackNanos >= 0;
        }
    }

    /** One entry of a subscriber's log: a delivery ({@code id}, {@code offset}) or a gap marker ({@code gap}). */
    record Entry(String topic, boolean gap, String id, String offset, long atNanos) {
        static Entry delivery(String topic, String id, String offset, long atNanos) {
            return new Entry(topic, false, id, offset, atNanos);
        }

        static Entry gapMarker(String topic, long atNanos) {
            return new Entry(topic, true, null, null, atNanos);
        }
    }

    /** What the checker found. */
    record Verdict(long deliveries, long gapsReported, long coveredByGap, long silentLosses, long duplicates,
                   long phantoms, long outOfOrder, long unackedDelivered, List<String> findings) {
        boolean passed() {
            return silentLosses == 0 && duplicates == 0 && phantoms == 0 && outOfOrder == 0;
        }
    }

    private record Offset(String epoch, long seq) {
        static Offset parse(String s) {
            int colon = s == null ? -1 : s.lastIndexOf(':');
            if (colon <= 0) {
                return null;
            }
            try {
                return new Offset(s.substring(0, colon), Long.parseLong(s.substring(colon + 1)));
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }

    /**
     * Checks every subscriber's log of every topic it subscribed to ({@code topicsBySubscriber});
     * keeps at most 50 findings in words.
     */
    static Verdict check(Map<String, Publish> publishes, Map<String, List<Entry>> logs,
                         Map<String, List<String>> topicsBySubscriber) {
        Map<String, Offset> offsetOf = new HashMap<>();
        for (List<Entry> log : logs.values()) {
            for (Entry e : log) {
                if (!e.gap() && e.offset() != null) {
                    offsetOf.putIfAbsent(e.id(), Offset.parse(e.offset()));
                }
            }
        }
        Map<String, List<Publish>> ackedByTopic = new HashMap<>();
        for (Publish p : publishes.values()) {
            if (p.acked()) {
                ackedByTopic.computeIfAbsent(p.topic(), k -> new ArrayList<>()).add(p);
            }
        }
        List<String> findings = new ArrayList<>();
        long deliveries = 0;
        long gaps = 0;
        long covered = 0;
        long losses = 0;
        long duplicates = 0;
        long phantoms = 0;
        long outOfOrder = 0;
        long unacked = 0;
        for (Map.Entry<String, List<String>> sub : topicsBySubscriber.entrySet()) {
            String name = sub.getKey();
            List<Entry> all = logs.getOrDefault(name, List.of());
            for (String topic : sub.getValue()) {
                List<Entry> log = new ArrayList<>();
                for (Entry e : all) {
                    if (e.topic().equals(topic)) {
                        log.add(e);
                    }
                }
                Set<String> seen = new HashSet<>();
                Map<String, Offset> lastByEpoch = new HashMap<>();
                long firstDelivery = -1;
                for (Entry e : log) {
                    if (e.gap()) {
                        gaps++;
                        continue;
                    }
                    deliveries++;
                    if (firstDelivery < 0) {
                        firstDelivery = e.atNanos();
                    }
                    Publish p = publishes.get(e.id());
                    if (p == null || !p.topic().equals(topic)) {
                        phantoms++;
                        note(findings, "phantom: " + name + " got " + e.id() + " on " + topic + " at " + e.offset()
                                + ", never published there");
                    } else if (!p.acked()) {
                        unacked++;
                    }
                    if (!seen.add(e.id())) {
                        duplicates++;
                        note(findings, "duplicate: " + name + " got " + e.id() + " on " + topic + " again at " + e.offset());
                    }
                    Offset o = Offset.parse(e.offset());
                    if (o != null) {
                        Offset last = lastByEpoch.put(o.epoch(), o);
                        if (last != null && o.seq() <= last.seq()) {
                            outOfOrder++;
                            note(findings, "out of order: " + name + " got " + e.id() + " at " + e.offset() + " on " + topic
                                    + " after " + last.epoch() + ":" + last.seq());
                        }
                    }
                }
                if (firstDelivery < 0) {
                    continue; // never subscribed: nothing owed (the end-of-run probe check reports it)
                }
                for (Publish m : ackedByTopic.getOrDefault(topic, List.of())) {
                    if (m.sentNanos() <= firstDelivery || seen.contains(m.id())) {
                        continue;
                    }
                    Offset mo = offsetOf.get(m.id());
                    int before = -1;
                    int after = log.size();
                    for (int i = 0; i < log.size(); i++) {
                        Entry e = log.get(i);
                        if (e.gap()) {
                            continue;
                        }
                        Publish x = publishes.get(e.id());
                        Offset xo = Offset.parse(e.offset());
                        boolean sameEpoch = mo != null && xo != null && mo.epoch().equals(xo.epoch());
                        boolean earlier = (sameEpoch && xo.seq() < mo.seq()) || (x != null && x.acked() && x.ackNanos() < m.sentNanos());
                        boolean later = (sameEpoch && xo.seq() > mo.seq()) || (x != null && x.sentNanos() > m.ackNanos());
                        if (earlier) {
                            before = i;
                        }
                        if (later && i < after) {
                            after = i;
                        }
                    }
                    boolean told = false;
                    for (int i = before + 1; i < after && i < log.size(); i++) {
                        if (log.get(i).gap()) {
                            told = true;
                            break;
                        }
                    }
                    if (told) {
                        covered++;
                    } else {
                        losses++;
                        note(findings, "silent loss: " + name + " never got " + m.id() + " on " + topic + " (offset "
                                + (mo == null ? "unknown: nobody got it" : mo.epoch() + ":" + mo.seq()) + ", published via "
                                + m.via() + ", acked " + (m.ackNanos() - m.sentNanos()) / 1_000_000 + " ms after sending)");
                    }
                }
            }
        }
        return new Verdict(deliveries, gaps, covered, losses, duplicates, phantoms, outOfOrder, unacked, List.copyOf(findings));
    }

    private static void note(List<String> findings, String s) {
        if (findings.size() < 50) {
            findings.add(s);
        }
    }
}
