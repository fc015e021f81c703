package io.reactivewspool.internal.server;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.reactivewspool.broker.Broker;
import io.reactivewspool.broker.BrokerMessage;
import io.reactivewspool.history.TopicHistory;
import io.reactivewspool.internal.LogLimiter;
import io.reactivewspool.internal.history.HistoryOffset;
import io.reactivewspool.internal.history.RingTopicHistory;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.OutboundFrame;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.server.WsTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Exceptions;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/**
 * Where hub messages go: stamped and encoded once ({@link #deliverAndPublish}), wrapped in one
 * {@link OutboundFrame}, emitted to the local topic sinks or the user's connections, and handed as
 * the same bytes to the broker; and the other nodes' messages from the broker to the local
 * connections. With a topic history, single-topic messages are stored first and delivered in
 * offset order ({@link HistorySequencer}); with a history the nodes share, live delivery is kept
 * gap-free ({@link TopicContinuity}).
 */
final class HubDelivery {

    private static final Logger log = LoggerFactory.getLogger(WsHub.class);
    /** The longest a subscribe reply waits for the broker to take a new topic. */
    private static final Duration INTEREST_TIMEOUT = Duration.ofSeconds(5);
    /** Broker messages handed to the delivery thread at a time. */
    private static final int BROKER_PREFETCH = 256;
    /** The first and the longest wait before the broker's inbound is resubscribed after an error. */
    private static final Duration BROKER_RETRY_FIRST = Duration.ofMillis(100);
    private static final Duration BROKER_RETRY_MAX = Duration.ofSeconds(5);

    private final WsCodec codec;
    private final Broker broker;
    private final Scheduler scheduler;
    private final Topics topics;
    private final ConnectionRegistry registry;
    private final HubCounters counters;
    private final LogLimiter errorLog;
    /** Applies another node's cluster-wide operation, or its request for a connection here, or its reply. */
    private final Consumer<BrokerMessage> onControl;
    private final BrokerDelivery brokerDelivery = new BrokerDelivery();
    private final HistorySequencer sequencer;
    /** Keeps live delivery gap-free when nodes share a history; {@code null} otherwise. */
    private final TopicContinuity continuity;

    HubDelivery(WsCodec codec, Broker broker, TopicHistory history, Scheduler scheduler, Topics topics,
                ConnectionRegistry registry, HubCounters counters, LogLimiter errorLog, Consumer<BrokerMessage> onControl) {
        this.codec = codec;
        this.broker = broker;
        this.scheduler = scheduler;
        this.topics = topics;
        this.registry = registry;
        this.counters = counters;
        this.errorLog = errorLog;
        this.onControl = onControl;
        this.sequencer = history == null ? null : new HistorySequencer(history, this::deliverStored,
                (topic, e) -> {
                    counters.historyFailed.increment();
                    counters.failed.increment();
                    if (errorLog.acquire() >= 0) {
                        log.warn("history append failed topic={} error={}; message not delivered (only stored messages are)",
                                topic, e.toString());
                    }
                },
                topic -> {
                    counters.historyBypassed.increment();
                    counters.failed.increment();
                    if (errorLog.acquire() >= 0) {
                        log.warn("history appends backed up topic={} pending={}; message refused, not delivered",
                                topic, HistorySequencer.MAX_PENDING);
                    }
                });
        // Only a history the nodes share numbers every node's messages in one sequence; with a
        // per-node ring, other nodes' offsets are of other epochs and say nothing about gaps here.
        boolean shared = history != null && broker.reachesOtherNodes() && !(history instanceof RingTopicHistory);
        this.continuity = !shared ? null : new TopicContinuity(history, new TopicContinuity.Delivery() {
            @Override
            public void replayed(String topic, WsMessage message) {
                counters.gapsRecovered.increment();
                WsMessage stamped = stamp(message);
                deliverLocally(BrokerMessage.Kind.TOPIC, List.of(topic), frameOf(stamped), stamped, Set.of());
            }

            @Override
            public void gap(String topic, HistoryOffset resumeAfter, String reason) {
                counters.gapsReported.increment();
                log.warn("topic messages missing on this node topic={} reason=\"{}\" resume_after={}; subscribers told (gap)",
                        topic, reason, resumeAfter);
                WsMessage gap = stamp(WsMessage.builder(WsMessage.GAP).topic(topic)
                        .data(Map.of("offset", resumeAfter.toString(), "reason", reason)).build());
                deliverLocally(BrokerMessage.Kind.TOPIC, List.of(topic), frameOf(gap), gap, Set.of());
            }
        }, (topic, e) -> {
            if (errorLog.acquire() >= 0) {
                log.warn("history read for a gap failed topic={} error={}", topic, e.toString());
            }
        });
    }

    /**
     * Subscribes to the other nodes' messages. The broker buffers (bounded) what the delivery
     * thread cannot take yet. Any error ends the inbound Flux (a broker that emits past the demand
     * overflows the hand-off; a broker of its own fails): counted, logged, resubscribed with
     * backoff. Until then nothing from other nodes arrives, and the broker, with nothing consuming
     * its inbound, reports itself down.
     */
    Disposable receive() {
        return broker.inbound()
                .publishOn(Schedulers.fromExecutor(brokerDelivery), BROKER_PREFETCH)
                .doOnNext(this::onBrokerMessage)
                .retryWhen(Retry.backoff(Long.MAX_VALUE, BROKER_RETRY_FIRST).maxBackoff(BROKER_RETRY_MAX)
                        .transientErrors(true)
                        .doBeforeRetry(signal -> {
                            counters.failed.increment();
                            Throwable e = signal.failure();
                            if (Exceptions.isOverflow(e)) {
                                log.error("broker inbound overflowed node={}: the broker emitted past the hub's demand of {}; "
                                        + "messages queued for delivery were lost, resubscribing", broker.nodeId(), BROKER_PREFETCH);
                            } else {
                                log.error("broker inbound failed node={} restarts={}: messages of other nodes are not "
                                        + "received until it resubscribes", broker.nodeId(), signal.totalRetries() + 1, e);
                            }
                        }))
                .subscribe(null, e -> log.error("broker inbound ended node={}", broker.nodeId(), e));
    }

    /** Lets the broker's messages be delivered on this transport's event loop. */
    void learn(WsTransport transport) {
        brokerDelivery.learn(transport);
    }

    /** Encodes a message once, stamped with the time when it has none. */
    OutboundFrame frameOf(WsMessage m) {
        return frameOf(m, codec);
    }

    /** Encodes a message once in {@code c} (a connection's codec), stamped with the time when it has none. */
    OutboundFrame frameOf(WsMessage m, WsCodec c) {
        return CodecFrames.frame(c, c.encode(stamp(m)));
    }

    private WsMessage stamp(WsMessage m) {
        return m.timestamp() != null ? m : m.withTimestamp(Instant.ofEpochMilli(scheduler.now(TimeUnit.MILLISECONDS)));
    }

    /**
     * THE one place a hub message fans out: stamp and encode once, deliver to local connections,
     * hand the same bytes to the broker for other nodes. With a topic history, a single-topic
     * message goes through the {@link HistorySequencer} first: stored, then encoded once with its
     * offset and delivered in the topic's offset order.
     */
    int deliverAndPublish(BrokerMessage.Kind kind, Collection<String> targets, WsMessage message,
                          Set<String> excluded) {
        return deliverAndPublish(kind, targets, message, excluded, (PublishOutcome) null);
    }

    /**
     * As above; {@code outcome} (may be {@code null}) gets the message once it is delivered here and
     * handed to the broker (with its offset when stored in the history), or {@code null} when the
     * history could not store it and it went nowhere.
     */
    int deliverAndPublish(BrokerMessage.Kind kind, Collection<String> targets, WsMessage message,
                          Set<String> excluded, Consumer<WsMessage> outcome) {
        return deliverAndPublish(kind, targets, message, excluded, outcome == null ? null : PublishOutcome.ofDelivery(outcome));
    }

    /**
     * As above; {@code outcome} (may be {@code null}) is told the local delivery (the message with
     * its offset when stored) and the broker's answer, or that the history refused the message.
     */
    int deliverAndPublish(BrokerMessage.Kind kind, Collection<String> targets, WsMessage message,
                          Set<String> excluded, PublishOutcome outcome) {
        WsMessage stamped = stamp(message);
        Set<String> ex = excluded == null || excluded.isEmpty() ? Set.of() : Set.copyOf(excluded);
        if (sequencer != null && kind == BrokerMessage.Kind.TOPIC && targets.size() == 1) {
            // Stored first, then encoded once with its offset and delivered in offset order.
            String topic = targets.iterator().next();
            int reached = sequencer.submit(topic, stamped, ex, outcome);
            // Delivery is still pending on another thread or on the history: what it will reach.
            return reached >= 0 ? reached : subscribersExcept(topic, ex);
        }
        int reached = encodeAndDeliver(kind, targets, stamped, ex, outcome);
        if (outcome != null) {
            outcome.delivered(stamped, reached);
        }
        return reached;
    }

    /** Delivery of a message the history has stored: encode once, fan out (here in offset order). */
    private int deliverStored(String topic, WsMessage stored, Set<String> excluded, PublishOutcome outcome) {
        if (continuity == null) {
            return encodeAndDeliver(BrokerMessage.Kind.TOPIC, List.of(topic), stored, excluded, outcome);
        }
        byte[] payload = codec.encode(stored);
        OutboundFrame frame = CodecFrames.frame(codec, payload);
        int[] reached = {-1};
        continuity.accept(topic, stored.offset(), () -> reached[0] = deliverLocally(BrokerMessage.Kind.TOPIC,
                List.of(topic), frame, stored, excluded));
        publish(BrokerMessage.Kind.TOPIC, List.of(topic), payload, excluded, outcome);
        // Held behind messages missing before it: what it will reach once they are delivered.
        return reached[0] >= 0 ? reached[0] : subscribersExcept(topic, excluded);
    }

    /** The reach of a delivery that has not run yet: the topic's local subscribers, less the excluded. */
    private int subscribersExcept(String topic, Set<String> excluded) {
        int n = 0;
        for (HubConnection c : topics.connections(topic)) {
            if (!excluded.contains(c.id)) {
                n++;
            }
        }
        return n;
    }

    private int encodeAndDeliver(BrokerMessage.Kind kind, Collection<String> targets, WsMessage stamped, Set<String> ex,
                                 PublishOutcome outcome) {
        byte[] payload = codec.encode(stamped);
        OutboundFrame frame = CodecFrames.frame(codec, payload);
        int reached = deliverLocally(kind, targets, frame, stamped, ex);
        publish(kind, targets, payload, ex, outcome);
        return reached;
    }

    /** Hands the bytes to the broker; {@code outcome} (may be {@code null}) hears its answer. */
    private void publish(BrokerMessage.Kind kind, Collection<String> targets, byte[] payload, Set<String> ex,
                         PublishOutcome outcome) {
        counters.broadcasts.increment();
        // Several topics travel as ONE broker message with the list, so that a remote connection
        // subscribed to more than one of them receives it once.
        BrokerMessage out = new BrokerMessage(kind, List.copyOf(targets), payload, broker.nodeId(), ex);
        broker.publish(out)
                .subscribe(null, e -> {
                    counters.failed.increment();
                    if (errorLog.acquire() >= 0) {
                        log.warn("broker publish failed kind={} targets={} error={}", kind, out.targets(), e.toString());
                    }
                    if (outcome != null) {
                        outcome.brokerAnswered(e);
                    }
                }, outcome == null ? null : () -> outcome.brokerAnswered(null));
    }

    private int deliverLocally(BrokerMessage.Kind kind, Collection<String> targets, OutboundFrame frame,
                               WsMessage message, Set<String> excluded) {
        if (kind == BrokerMessage.Kind.TOPIC) {
            return topics.emit(targets, new TopicEvent(frame, message, excluded, targets.size() > 1, codec));
        }
        int reached = 0;
        CodecFrames frames = new CodecFrames(codec, frame, message);
        for (String user : targets) {
            for (HubConnection c : registry.ofUser(user)) {
                if (!excluded.contains(c.id) && c.offer(frames.frameFor(c.codec))) {
                    reached++;
                }
            }
        }
        return reached;
    }

    /** Delivers one message of another node; one that fails is counted and logged, the next one still comes. */
    private void onBrokerMessage(BrokerMessage m) {
        if (broker.nodeId().equals(m.originNodeId())) {
            return;
        }
        try {
            if (continuity != null && m.kind() == BrokerMessage.Kind.TOPIC && m.targets().size() == 1) {
                // Decoded here (not lazily) for its offset: a jump in offsets is a gap to recover.
                String topic = m.targets().get(0);
                WsMessage message = codec.decode(m.payload());
                continuity.accept(topic, message.offset(), () -> deliverLocally(m.kind(), m.targets(),
                        CodecFrames.frame(codec, m.payload()), message, m.excludedConnectionIds()));
                return;
            }
            switch (m.kind()) {
                // Targets arrive as the list the origin sent: a user id or topic is never split.
                case TOPIC, USER -> deliverLocally(m.kind(), m.targets(), CodecFrames.frame(codec, m.payload()),
                        null, m.excludedConnectionIds());
                case CONTROL, REQUEST, REPLY -> onControl.accept(m);
            }
        } catch (RuntimeException e) {
            counters.failed.increment();
            if (errorLog.acquire() >= 0) {
                log.error("broker message failed node={} origin={} kind={} targets={}", broker.nodeId(),
                        m.originNodeId(), m.kind(), m.targets().size(), e);
            }
        }
    }

    /** Hands a cluster-wide operation to the other nodes (no-op with a local broker). */
    void publishControl(ControlOp op) {
        broker.publish(new BrokerMessage(BrokerMessage.Kind.CONTROL, op.op(), op.encode(), broker.nodeId(), Set.of()))
                .subscribe(null, e -> {
                    counters.failed.increment();
                    if (errorLog.acquire() >= 0) {
                        log.warn("broker publish failed kind=CONTROL op={} error={}", op.op(), e.toString());
                    }
                });
    }

    /** The broker's side of a topic getting its first local subscriber ({@code on}) or losing its last one. */
    Mono<Void> interest(String topic, boolean on) {
        log.debug("topic {} topic={}", on ? "created" : "removed", topic);
        if (continuity != null) {
            if (on) {
                continuity.watch(topic);
            } else {
                continuity.forget(topic);
            }
        }
        // Subscribe replies wait for this, and a topic's next interest call waits for its last
        // one: a broker that never answers must not hold either.
        // Not on the hub's timer scheduler: its close disposes timers there and must not contend.
        Mono<Void> declared = broker.interest(topic, on)
                .timeout(INTEREST_TIMEOUT, Schedulers.parallel())
                .doOnError(e -> log.warn("broker interest failed topic={} on={} error={}; local delivery unaffected",
                        topic, on, e.toString()));
        if (continuity == null || !on) {
            return declared;
        }
        // Where the topic stands is read once its live messages come here, so that whatever is stored
        // after it reaches the first subscriber in offset order; the live ones that came meanwhile wait.
        Mono<Void> started = continuity.start(topic, INTEREST_TIMEOUT);
        return declared.then(started).onErrorResume(e -> started.then(Mono.error(e)));
    }
}
