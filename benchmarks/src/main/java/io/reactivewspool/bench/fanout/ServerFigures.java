package io.reactivewspool.bench.fanout;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/** Figures read from the server processes, by pid ({@link ProcStats}) or over JMX ({@link ObservedJvm}). */
final class ServerFigures {

    private ServerFigures() {
    }

    /** Every server process over JMX; none (and a warning) when one cannot be attached to. */
    static List<ObservedJvm> observe(List<Long> pids) {
        List<ObservedJvm> jvms = new ArrayList<>();
        for (long pid : pids) {
            try {
                jvms.add(ObservedJvm.of(pid));
            } catch (IOException | RuntimeException e) {
                System.err.println("loadgen: no allocation or heap figures: " + e);
                jvms.forEach(ObservedJvm::close);
                return List.of();
            }
        }
        return jvms;
    }

    static long allocatedBytes(List<ObservedJvm> jvms) {
        return (long) sumOf(jvms, ObservedJvm::allocatedBytes);
    }

    static long heapUsedAfterGc(List<ObservedJvm> jvms) {
        return (long) sumOf(jvms, ObservedJvm::heapUsedAfterGc);
    }

    /**
     * A figure summed over the server processes (pids or observed JVMs); -1 when there are none or any cannot be
     * read. Byte counts stay exact in a double up to 2^53.
     */
    static <T> double sumOf(List<T> servers, ToDoubleFunction<T> figure) {
        if (servers.isEmpty()) {
            return -1;
        }
        double sum = 0;
        for (T server : servers) {
            double v = figure.applyAsDouble(server);
            if (v < 0) {
                return -1;
            }
            sum += v;
        }
        return sum;
    }
}
