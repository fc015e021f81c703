package io.reactivewspool.test;

import java.lang.management.ManagementFactory;

import javax.management.ObjectName;

/**
 * Live objects of this JVM by class, for footprint tests: what a number of open connections adds.
 *
 * <pre>{@code
 * long before = LiveObjects.count("io.netty.handler.codec.DefaultHeaders$HeaderEntry");
 * // ... open CLIENTS connections ...
 * assertThat(LiveObjects.count("io.netty.handler.codec.DefaultHeaders$HeaderEntry") - before).isLessThan(3L * CLIENTS);
 * }</pre>
 */
public final class LiveObjects {

    private LiveObjects() {
    }

    /** Live instances of a class, from the JVM's class histogram (which runs a full collection first). */
    public static long count(String className) throws Exception {
        String histogram = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {null}, new String[] {String[].class.getName()});
        for (String line : histogram.split("\n")) {
            String[] cols = line.trim().split("\\s+");
            if (cols.length >= 4 && cols[3].equals(className)) {
                return Long.parseLong(cols[1]);
            }
        }
        return 0;
    }
}
