package io.reactivewspool.internal.server;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

import io.reactivewspool.server.WsTransport;

/**
 * Where the hub runs what its broker brings from other nodes: on the I/O executor of the first
 * connection whose transport names one ({@link WsTransport#executor()}), else on the broker's own
 * thread.
 *
 * <p>From the broker's thread (Lettuce's event loop), every recipient of a broadcast is another
 * thread's channel: each gets a queued frame and a task on its loop. From a loop, the recipients on
 * that loop are written directly and share one pre-framed buffer and one flush task; with one I/O
 * thread that is all of them. In the two-hub benchmark (one core, 500 subscribers a hub) the
 * per-recipient hand-off cost the receiving hub about twice the server CPU per delivery of the
 * publishing one.
 *
 * <p>One executor is kept for the hub's life, so messages keep the broker's order; an executor
 * that rejects (its loop shut down) is forgotten and the next connection's is learnt.
 */
final class BrokerDelivery implements Executor {

    private static final AtomicReferenceFieldUpdater<BrokerDelivery, Executor> TARGET =
            AtomicReferenceFieldUpdater.newUpdater(BrokerDelivery.class, Executor.class, "target");

    private volatile Executor target;

    /** Takes the transport's executor when none is known yet. */
    void learn(WsTransport transport) {
        if (target == null) {
            transport.executor().ifPresent(e -> TARGET.compareAndSet(this, null, e));
        }
    }

    @Override
    public void execute(Runnable task) {
        Executor e = target;
        if (e != null) {
            try {
                e.execute(task);
                return;
            } catch (RejectedExecutionException shutDown) {
                TARGET.compareAndSet(this, e, null);
            }
        }
        task.run();
    }
}
