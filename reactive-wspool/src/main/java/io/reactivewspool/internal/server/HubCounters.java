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
    /** Topic messages not delivered because the history append failed. */
    final LongAdder historyFailed = new LongAdder();
    /** Topic messages refused because too many appends of their topic were pending. */
    final LongAdder historyBypassed = new LongAdder();
    /** Topic messages this node missed live and delivered from the history. */
    final LongAdder gapsRecovered = new LongAdder();
    /** Gaps in a topic's live messages that the history could not fill, told to the subscribers. */
    final LongAdder gapsReported = new LongAdder();
}
