package io.reactivewspool.bench.fanout;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

import javax.management.MBeanServerConnection;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import com.sun.management.ThreadMXBean;
import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;

/**
 * A server JVM as the harness observes it over JMX: the bytes its threads have allocated on the heap
 * so far, summed over its live threads ({@code com.sun.management.ThreadMXBean.getThreadAllocatedBytes}),
 * and its used heap after a full GC. Another JVM is reached through the JDK attach API:
 * {@code startLocalManagementAgent()} in the target, then a local JMX connection; this JVM's own
 * figures are read directly (a JVM may not attach to itself unless started with
 * {@code -Djdk.attach.allowAttachSelf=true}, which is then used, so that a test in one JVM takes the
 * same path as a run against a server process).
 *
 * <p>Read the allocation at the start and the end of a window: the difference is what the target
 * allocated in between, except what threads that ended inside the window allocated (a server's event
 * loops and workers live for the whole run). The JMX calls themselves allocate a few kilobytes in the
 * target.
 */
final class ObservedJvm implements AutoCloseable {

    private final ThreadMXBean threads;
    private final MemoryMXBean memory;
    private final JMXConnector connector;

    private ObservedJvm(ThreadMXBean threads, MemoryMXBean memory, JMXConnector connector) {
        this.threads = threads;
        this.memory = memory;
        this.connector = connector;
    }

    /** The JVM with this pid; throws when it cannot be reached. */
    static ObservedJvm of(long pid) throws IOException {
        boolean self = pid == ProcessHandle.current().pid();
        if (self && !Boolean.getBoolean("jdk.attach.allowAttachSelf")) {
            return new ObservedJvm(ManagementFactory.getPlatformMXBean(ThreadMXBean.class),
                    ManagementFactory.getMemoryMXBean(), null);
        }
        if (!ProcStats.isJvm(pid)) {
            throw new IOException("process " + pid + " is not a JVM");
        }
        String url;
        try {
            VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
            try {
                url = vm.startLocalManagementAgent();
            } finally {
                vm.detach();
            }
        } catch (AttachNotSupportedException e) {
            throw new IOException("cannot attach to pid " + pid + ": " + e.getMessage(), e);
        }
        JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(url));
        try {
            MBeanServerConnection server = connector.getMBeanServerConnection();
            ThreadMXBean threads = ManagementFactory.newPlatformMXBeanProxy(server, ManagementFactory.THREAD_MXBEAN_NAME,
                    ThreadMXBean.class);
            if (!threads.isThreadAllocatedMemorySupported() || !threads.isThreadAllocatedMemoryEnabled()) {
                throw new IOException("pid " + pid + " does not count allocated bytes per thread");
            }
            MemoryMXBean memory = ManagementFactory.newPlatformMXBeanProxy(server, ManagementFactory.MEMORY_MXBEAN_NAME,
                    MemoryMXBean.class);
            return new ObservedJvm(threads, memory, connector);
        } catch (IOException | RuntimeException e) {
            connector.close();
            throw e;
        }
    }

    /** Bytes allocated so far by the target's live threads; -1 when it cannot be read any more. */
    long allocatedBytes() {
        try {
            long[] ids = threads.getAllThreadIds();
            long sum = 0;
            for (long b : threads.getThreadAllocatedBytes(ids)) {
                if (b > 0) {
                    sum += b; // -1: the thread ended between the two calls
                }
            }
            return sum;
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** Runs a full GC in the target ({@code System.gc()}), then returns its used heap in bytes; -1 when unreadable. */
    long heapUsedAfterGc() {
        try {
            memory.gc();
            return memory.getHeapMemoryUsage().getUsed();
        } catch (RuntimeException e) {
            return -1;
        }
    }

    @Override
    public void close() {
        if (connector != null) {
            try {
                connector.close();
            } catch (IOException ignored) {
                // the target is gone: nothing to release
            }
        }
    }
}
