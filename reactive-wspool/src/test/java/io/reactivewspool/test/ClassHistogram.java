package io.reactivewspool.test;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

import javax.management.ObjectName;

/**
 * The JVM's histogram of live objects by class (it runs a full collection first), and what a test
 * added between two of them. Like {@link LiveHeap} it counts the whole JVM, clients included.
 *
 * <pre>{@code
 * ClassHistogram before = ClassHistogram.now(SERVER_CLASSES);
 * // open connections
 * long added = ClassHistogram.now(SERVER_CLASSES).minus(before).instances("io.netty.channel.DefaultChannelHandlerContext");
 * }</pre>
 */
public final class ClassHistogram {

    /** Instances and bytes of one class. */
    public record Count(long instances, long bytes) {
        static final Count NONE = new Count(0, 0);
    }

    private final Map<String, Count> byClass;
    private final long bytes;

    private ClassHistogram(Map<String, Count> byClass, long bytes) {
        this.byClass = byClass;
        this.bytes = bytes;
    }

    /**
     * The live objects now, by class for the classes {@code kept} accepts ({@link #bytes()} counts
     * every class). Keep few: a histogram held across a measurement is itself on the heap. Compare
     * only histograms taken with the same {@code kept}.
     */
    public static ClassHistogram now(Predicate<String> kept) {
        try {
            String histogram = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                    new Object[] {null}, new String[] {String[].class.getName()});
            Map<String, Count> counts = new HashMap<>();
            long total = 0;
            for (String line : histogram.split("\n")) {
                String[] cols = line.trim().split("\\s+");
                if (cols.length >= 4 && cols[0].endsWith(":")) {
                    long b = Long.parseLong(cols[2]);
                    total += b;
                    if (kept.test(cols[3])) {
                        counts.put(cols[3], new Count(Long.parseLong(cols[1]), b));
                    }
                }
            }
            return new ClassHistogram(counts, total);
        } catch (Exception e) {
            throw new AssertionError("no class histogram: " + e, e);
        }
    }

    /** What this histogram has more than {@code earlier}, per class (negative where it has fewer). */
    public ClassHistogram minus(ClassHistogram earlier) {
        Map<String, Count> diff = new HashMap<>();
        byClass.forEach((name, c) -> {
            Count e = earlier.byClass.getOrDefault(name, Count.NONE);
            diff.put(name, new Count(c.instances() - e.instances(), c.bytes() - e.bytes()));
        });
        earlier.byClass.forEach((name, e) -> diff.putIfAbsent(name, new Count(-e.instances(), -e.bytes())));
        return new ClassHistogram(diff, bytes - earlier.bytes);
    }

    public long instances(String className) {
        return byClass.getOrDefault(className, Count.NONE).instances();
    }

    /** Every kept class and its count. */
    public Map<String, Count> byClass() {
        return Map.copyOf(byClass);
    }

    /** The bytes of every class, kept or not. */
    public long bytes() {
        return bytes;
    }

    /** The bytes of the kept classes. */
    public long keptBytes() {
        return byClass.values().stream().mapToLong(Count::bytes).sum();
    }
}
