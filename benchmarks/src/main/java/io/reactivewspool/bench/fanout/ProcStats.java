package io.reactivewspool.bench.fanout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What the harness learns about a server process from outside, without any server-side statistics
 * endpoint: CPU time from {@code /proc/<pid>/stat}, RSS from {@code /proc/<pid>/status}, and live heap from
 * {@code jcmd <pid> GC.heap_info} after a {@code jcmd <pid> GC.run}. Every method returns -1 when the value
 * cannot be read (no such process, not Linux, no {@code jcmd}).
 */
public final class ProcStats {

    private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");
    private static final Pattern VM_RSS = Pattern.compile("VmRSS:\\s+(\\d+) kB");
    private static final long JCMD_TIMEOUT_SECONDS = 60;
    private static volatile long clockTicks;

    private ProcStats() {
    }

    /** utime + stime of the process, in seconds. */
    public static double cpuSeconds(long pid) {
        try {
            return cpuTicks(Files.readString(Path.of("/proc", Long.toString(pid), "stat"))) / (double) clockTicksPerSecond();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Time the process's threads spent runnable but waiting for a CPU (field 2 of
     * {@code /proc/<pid>/task/<tid>/schedstat}, summed over live threads), in seconds: how much the
     * process was held back by others on its core.
     */
    static double runQueueWaitSeconds(long pid) {
        long nanos = sumOverThreads(pid, task -> Long.parseLong(Files.readString(task.resolve("schedstat")).trim().split(" ")[1]));
        return nanos < 0 ? -1 : nanos / 1e9;
    }

    /**
     * utime + stime of the process's live threads whose name (as the kernel keeps it: the first 15 characters)
     * {@code name} accepts, in seconds: the share of the JIT compiler or the garbage collector in a window.
     */
    static double threadCpuSeconds(long pid, Predicate<String> name) {
        long ticks = sumOverThreads(pid, task -> {
            String stat = Files.readString(task.resolve("stat"));
            return name.test(stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'))) ? cpuTicks(stat) : 0;
        });
        return ticks < 0 ? -1 : ticks / (double) clockTicksPerSecond();
    }

    /** utime + stime in clock ticks from a {@code stat} file of proc(5), a process's or a thread's. */
    private static long cpuTicks(String stat) {
        // The command name (field 2) may contain spaces and parentheses: count fields after the last ')'.
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15
    }

    /** A figure of one thread, read from its {@code /proc/<pid>/task/<tid>} directory. */
    private interface ThreadFigure {
        long of(Path task) throws IOException;
    }

    /**
     * {@code figure} summed over the process's live threads; -1 when the process's threads cannot be listed.
     * A thread that ends between the listing and the read counts for nothing.
     */
    private static long sumOverThreads(long pid, ThreadFigure figure) {
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            long sum = 0;
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    sum += figure.of(task);
                } catch (IOException | RuntimeException e) {
                    // the thread ended between the listing and the read
                }
            }
            return sum;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** HotSpot's compiler threads ("C2 CompilerThread0", "C1 CompilerThread0"). */
    static boolean isJitThread(String name) {
        return name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre");
    }

    /** HotSpot's garbage collector threads: G1's, Parallel's and Serial's workers, refinement and concurrent marking. */
    static boolean isGcThread(String name) {
        return name.startsWith("GC Thread") || name.startsWith("G1 ") || name.startsWith("VM Thread");
    }

    /** Resident set size of the process in bytes, from {@code /proc/<pid>/status}. */
    public static long rssBytes(long pid) {
        try {
            Matcher m = VM_RSS.matcher(Files.readString(Path.of("/proc", Long.toString(pid), "status")));
            return m.find() ? Long.parseLong(m.group(1)) * 1024 : -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Whether the process runs a {@code java} executable. {@code jcmd} and the attach API wake their target with
     * SIGQUIT, which terminates a process that is not a JVM (the Node server), so they ask this first.
     */
    public static boolean isJvm(long pid) {
        try {
            Path exe = Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "exe"));
            return exe.getFileName() != null && exe.getFileName().toString().equals("java");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Runs a full GC in the target JVM, then returns its used heap in bytes; -1 for a process that is no JVM. */
    public static long heapUsedAfterGc(long pid) {
        if (!isJvm(pid) || run(List.of("jcmd", Long.toString(pid), "GC.run")) == null) {
            return -1;
        }
        String info = run(List.of("jcmd", Long.toString(pid), "GC.heap_info"));
        if (info == null) {
            return -1;
        }
        return parseHeapUsedBytes(info);
    }

    /** Used heap in bytes from {@code GC.heap_info} output, or -1 when it names no heap space. */
    static long parseHeapUsedBytes(String heapInfo) {
        // One "total …K, used …K" line per heap space: one for G1, young and old for Serial and Parallel
        // (the collector a JVM pinned to one core picks). Metaspace lines carry no "total".
        long usedKb = -1;
        for (String line : heapInfo.split("\n")) {
            Matcher m = HEAP_USED.matcher(line);
            if (line.contains(" total ") && !line.contains("Metaspace") && m.find()) {
                usedKb = Math.max(usedKb, 0) + Long.parseLong(m.group(1));
            }
        }
        return usedKb < 0 ? -1 : usedKb * 1024;
    }

    static long clockTicksPerSecond() {
        long t = clockTicks;
        if (t == 0) {
            String out = run(List.of("getconf", "CLK_TCK"));
            try {
                t = out == null ? 100 : Long.parseLong(out.trim());
            } catch (NumberFormatException e) {
                t = 100;
            }
            clockTicks = t;
        }
        return t;
    }

    private static String run(List<String> command) {
        Path out = null;
        try {
            out = Files.createTempFile("fanout-cmd", ".out");
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(JCMD_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return p.exitValue() == 0 ? Files.readString(out, StandardCharsets.UTF_8) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException ignored) {
                    // a leftover temporary file is harmless
                }
            }
        }
    }
}
