package io.reactivewspool.internal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;

/**
 * Lets one log line through per interval and counts the ones it held back, so that a peer that
 * floods bad frames, drops or failures cannot flood the log. Lock-free; safe from any thread.
 */
public final class LogLimiter {

    private final long intervalNanos;
    private final AtomicLong next = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong suppressed = new AtomicLong();

    public LogLimiter(long interval, TimeUnit unit) {
        this.intervalNanos = unit.toNanos(interval);
    }

    /** -1 when the line must be skipped, otherwise how many were skipped since the last one. */
    public long acquire() {
        long now = System.nanoTime();
        long n = next.get();
        if ((n == Long.MIN_VALUE || now - n >= 0) && next.compareAndSet(n, now + intervalNanos)) {
            return suppressed.getAndSet(0);
        }
        suppressed.incrementAndGet();
        return -1;
    }

    /** Logs at WARN unless held back; a line that follows held-back ones says how many. */
    public void warn(Logger log, String format, Object... args) {
        if (!log.isWarnEnabled()) {
            return;
        }
        long held = acquire();
        if (held < 0) {
            return;
        }
        if (held > 0) {
            log.warn(format + " (" + held + " similar suppressed)", args);
        } else {
            log.warn(format, args);
        }
    }
}
