package io.reactivewspool.test;

import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import io.reactivewspool.WsException;
import io.reactivewspool.broker.BrokerMessage;
import io.reactivewspool.broker.LocalBroker;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A single-node broker that acknowledges publishes at the test's pace: after a delay, or only when
 * {@link #release()} or {@link #open()} lets them go; it can refuse one publish. It counts what it was handed and the
 * most publishes ever outstanding (handed over, not yet answered) at once.
 */
public final class PacedBroker extends ForwardingBroker {

    private final Duration delay;
    private final Queue<Sinks.Empty<Void>> held = new ConcurrentLinkedQueue<>();
    private final AtomicInteger published = new AtomicInteger();
    private final AtomicInteger outstanding = new AtomicInteger();
    private final AtomicInteger maxOutstanding = new AtomicInteger();
    private volatile int refuseNumber = -1;
    private volatile boolean open;

    private PacedBroker(Duration delay) {
        super(new LocalBroker("node-paced"));
        this.delay = delay;
    }

    /** Acknowledges every publish {@code delay} after it was handed over. */
    public static PacedBroker delayed(Duration delay) {
        return new PacedBroker(delay);
    }

    /** Holds every acknowledgement until {@link #release()}. */
    public static PacedBroker held() {
        return new PacedBroker(null);
    }

    /** Fails the {@code n}-th publish (1-based) with a {@link WsException}. */
    public PacedBroker refuse(int n) {
        refuseNumber = n;
        return this;
    }

    @Override
    public Mono<Void> publish(BrokerMessage message) {
        return Mono.defer(() -> {
            int n = published.incrementAndGet();
            int now = outstanding.incrementAndGet();
            maxOutstanding.accumulateAndGet(now, Math::max);
            Mono<Void> answer;
            if (n == refuseNumber) {
                answer = Mono.error(new WsException("paced broker refused publish #" + n));
            } else if (delay != null) {
                answer = Mono.delay(delay).then();
            } else {
                Sinks.Empty<Void> ack = Sinks.empty();
                held.add(ack);
                answer = ack.asMono();
                if (open) {
                    release(); // opened while this one was being held: no one else would release it
                }
            }
            // Before the answer goes on: the hub may hand over the next one on that very signal.
            return answer.doOnTerminate(outstanding::decrementAndGet);
        });
    }

    /** Acknowledges every held publish and, from now on, every publish at once. */
    public void open() {
        open = true;
        release();
    }

    /** Acknowledges every held publish. */
    public void release() {
        Sinks.Empty<Void> ack;
        while ((ack = held.poll()) != null) {
            ack.tryEmitEmpty();
        }
    }

    public int published() {
        return published.get();
    }

    public int outstanding() {
        return outstanding.get();
    }

    public int maxOutstanding() {
        return maxOutstanding.get();
    }

    @Override
    public Mono<Void> close() {
        release();
        return super.close();
    }
}
