package io.reactivewspool.test;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;

import com.sun.management.ThreadMXBean;

/**
 * Heap bytes this JVM's threads allocate while a test does one thing (HotSpot's per-thread
 * counters), for a test that bounds what that thing may cost. Threads that end before
 * {@link #since()} are not counted: keep the work on threads that outlive it, such as a server's
 * event loops.
 *
 * <pre>{@code
 * Allocations a = Allocations.start();
 * client.send(bomb);
 * assertThat(a.since()).isLessThan(16 * LiveHeap.MIB);
 * }</pre>
 */
public final class Allocations {

    private static final ThreadMXBean THREADS =
            (ThreadMXBean) ManagementFactory.getThreadMXBean();

    private final Map<Long, Long> start;

    private Allocations(Map<Long, Long> start) {
        this.start = start;
    }

    /** Reads every live thread's counter now. */
    public static Allocations start() {
        return new Allocations(read());
    }

    /** Bytes allocated since {@link #start()} by the threads alive now (all of it for threads started since). */
    public long since() {
        long sum = 0;
        for (Map.Entry<Long, Long> e : read().entrySet()) {
            sum += e.getValue() - start.getOrDefault(e.getKey(), 0L);
        }
        return sum;
    }

    private static Map<Long, Long> read() {
        long[] ids = THREADS.getAllThreadIds();
        long[] bytes = THREADS.getThreadAllocatedBytes(ids);
        Map<Long, Long> m = new HashMap<>();
        for (int i = 0; i < ids.length; i++) {
            if (bytes[i] >= 0) {
                m.put(ids[i], bytes[i]);
            }
        }
        return m;
    }
}
