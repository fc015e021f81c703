package io.reactivewspool.test;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * What the test suites allow on non-blocking threads: writing log lines (logback's console
 * appender takes a lock and writes to stdout, as every production logger does), and Netty 4.2's
 * adaptive allocator growing its magazines under contention (a short StampedLock section that
 * Netty's own BlockHound integration does not list yet; seen with 1,000 busy connections), and
 * Lettuce's {@code SharedLock}, a ReentrantLock that a command's dispatch takes as a writer and that
 * Lettuce holds exclusively while it reconnects and replays its queued commands: a history append
 * dispatched on a Reactor thread while Redis comes back parks there for that moment (seen in
 * {@code RedisCrashIT}, in about two runs of five on a slow machine; Lettuce ships no BlockHound
 * integration of its own).
 */
public final class TestBlockHoundIntegration implements BlockHoundIntegration {

    @Override
    public void applyTo(BlockHound.Builder builder) {
        builder.allowBlockingCallsInside("ch.qos.logback.classic.Logger", "callAppenders");
        builder.allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$MagazineGroup", "tryExpandMagazines");
        for (String method : new String[] {"incrementWriters", "decrementWriters", "doExclusive"}) {
            builder.allowBlockingCallsInside("io.lettuce.core.protocol.SharedLock", method);
        }
    }
}
