package io.reactivewspool.bench.fanout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ProcStatsTest {

    @Test
    void heapUsedOfSerialCollectorAddsYoungAndTenured() {
        String info = """
                19380:
                 def new generation   total 116224K, used 10K [0x0000000700000000, 0x0000000707e10000, 0x0000000755550000)
                  eden space 103360K,   0% used [0x0000000700000000, 0x0000000700000000, 0x00000007064f0000)
                 tenured generation   total 258048K, used 2865K [0x0000000755550000, 0x0000000765150000, 0x0000000800000000)
                   the space 258048K,   1% used [0x0000000755550000, 0x000000075581c4d0, 0x000000075581c600, 0x0000000765150000)
                 Metaspace       used 5537K, committed 5760K, reserved 1114112K
                  class space    used 604K, committed 704K, reserved 1048576K
                """;
        assertThat(ProcStats.parseHeapUsedBytes(info)).isEqualTo((10 + 2865) * 1024L);
    }

    @Test
    void heapUsedOfG1IsItsOneHeapLine() {
        String info = """
                4242:
                 garbage-first heap   total 262144K, used 7823K [0x0000000700000000, 0x0000000800000000)
                  region size 1024K, 3 young (3072K), 0 survivors (0K)
                 Metaspace       used 5537K, committed 5760K, reserved 1114112K
                """;
        assertThat(ProcStats.parseHeapUsedBytes(info)).isEqualTo(7823 * 1024L);
    }

    @Test
    void noHeapLineIsUnknown() {
        assertThat(ProcStats.parseHeapUsedBytes("4242:\nAttach failed\n")).isEqualTo(-1);
    }

    @Test
    void cpuSecondsOfThisProcessAreReadFromProc() {
        assertThat(ProcStats.cpuSeconds(ProcessHandle.current().pid())).isPositive();
        assertThat(ProcStats.cpuSeconds(Long.MAX_VALUE)).isEqualTo(-1);
    }

    @Test
    void cpuOfNamedThreadsCountsOnlyThoseThreads() throws Exception {
        long pid = ProcessHandle.current().pid();
        Thread spinner = new Thread(() -> {
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
            long x = 0;
            while (System.nanoTime() < end) {
                x += System.nanoTime() & 1;
            }
            if (x == 42) {
                System.out.print("");
            }
        }, "procstats-spin");
        double before = ProcStats.threadCpuSeconds(pid, name -> name.equals("procstats-spin"));
        spinner.start();
        // Read while it lives: an ended thread leaves /proc/<pid>/task.
        Thread.sleep(250);
        double during = ProcStats.threadCpuSeconds(pid, name -> name.equals("procstats-spin"));
        spinner.join();
        assertThat(before).isZero();
        assertThat(during).isPositive().isLessThanOrEqualTo(ProcStats.cpuSeconds(pid));
        assertThat(ProcStats.threadCpuSeconds(pid, ProcStats::isJitThread)).as("this JVM compiled something").isPositive();
        assertThat(ProcStats.threadCpuSeconds(Long.MAX_VALUE, name -> true)).isEqualTo(-1);
    }

    @Test
    void theHeapOfAProcessThatIsNoJvmIsUnknownAndTheProcessLivesOn() throws Exception {
        // jcmd wakes its target with SIGQUIT, which ends a process that is not a JVM, such as the Node ws server:
        // Node sets SIGQUIT back to its default action even when its parent ignored it.
        assumeTrue(onPath("node"), "node is not on the PATH");
        Process node = new ProcessBuilder("node", "-e", "setTimeout(() => {}, 30000)").start();
        try {
            assertThat(ProcStats.isJvm(node.pid())).isFalse();
            assertThat(ProcStats.isJvm(ProcessHandle.current().pid())).isTrue();
            assertThat(ProcStats.heapUsedAfterGc(node.pid())).isEqualTo(-1);
            assertThat(node.waitFor(500, TimeUnit.MILLISECONDS)).as("node ended by a signal").isFalse();
        } finally {
            node.destroyForcibly();
        }
    }

    private static boolean onPath(String command) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, command)));
    }
}
