package io.reactivewspool.internal.server;

import java.util.concurrent.atomic.LongAdder;

/** The hub's running totals. */
final class HubCounters {
    final LongAdder accepted = new LongAdder();
    final LongAdder rejected = new LongAdder();
    final LongAdder received = new LongAdder();
    final LongAdder sent = new LongAdder();
    final LongAdder dropped = new LongAdder();
    final LongAdder failed = new LongAdder();
    final LongAdder errors = new LongAdder();
    final LongAdder broadcasts = new LongAdder();
    final LongAdder cleanupRuns = new LongAdder();
    final LongAdder removedStale = new LongAdder();
    final LongAdder removedFailed = new LongAdder();
    final LongAdder removedClosed = new LongAdder();
    final LongAdder heartbeatTimeouts = new LongAdder();
    /** Topic messages delivered without an offset because the history append failed. */
    final LongAdder historyFailed = new LongAdder();
    /** Topic messages delivered without an offset because too many appends of their topic were pending. */
    final LongAdder historyBypassed = new LongAdder();
}
