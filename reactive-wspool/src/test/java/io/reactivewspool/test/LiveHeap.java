package io.reactivewspool.test;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.Locale;

/**
 * The live heap of this JVM: heap used right after full collections. Test threads only (it
 * sleeps). The figure includes everything the test JVM holds, clients included, so compare two
 * readings of one test, never a reading with an absolute number.
 */
public final class LiveHeap {

    public static final long MIB = 1024L * 1024;
    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

    private LiveHeap() {
    }

    /** Bytes of heap in use after three collections, the smallest of the three readings. */
    public static long bytes() {
        long min = Long.MAX_VALUE;
        for (int round = 0; round < 3; round++) {
            System.gc();
            try {
                // Reference processing and finalizers run after the collection returns.
                Thread.sleep(30);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            min = Math.min(min, MEMORY.getHeapMemoryUsage().getUsed());
        }
        return min;
    }

    /** {@code bytes} in MiB with one decimal, for test output. */
    public static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f", bytes / (double) MIB);
    }
}
