package io.reactivewspool.internal.server;

import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.function.BiFunction;
import java.util.function.Consumer;

import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.core.publisher.Sinks;
import reactor.util.concurrent.Queues;
import reactor.util.context.Context;

/**
 * The topic registry: one multicast sink per topic, created with its first subscriber (a
 * connection or an in-process {@code hub.topic(name)} subscription) and removed with its last.
 * Entries change only inside {@link ConcurrentHashMap#compute}, so a subscribe racing the last
 * unsubscribe either joins the old entry before it goes or creates a new one; the broker hears of
 * both in that order ({@link TopicInterest}).
 *
 * <p>Emission to a topic is serialized without waiting: the thread that finds the topic idle
 * emits, and emissions arriving meanwhile (from other threads, or from a subscriber of the topic
 * broadcasting to it) are queued for that thread, which delivers them before it leaves. So no
 * emission is dropped or spun for, and each thread's emissions reach every subscriber in order.
 */
final class Topics {

    enum Result { SUBSCRIBED, ALREADY, TOO_MANY_TOPICS, TOPIC_FULL }

    static final class Topic {
        final String name;
        // directBestEffort: never paces to a slow subscriber. Connections request unbounded and
        // push into their own bounded queue; in-process subscribers buffer on their side.
        // Unsafe (no serialization check of its own): only the thread holding `wip` emits to it.
        final Sinks.Many<TopicEvent> sink = Sinks.unsafe().many().multicast().directBestEffort();
        final Set<HubConnection> connections = ConcurrentHashMap.newKeySet();
        int refs; // guarded by the map's compute
        /** Completes once the broker has taken this node's interest in the topic (or failed to). */
        final Sinks.Empty<Void> interested = Sinks.empty();
        volatile boolean ready;
        /** Emissions plus one while a thread emits; the thread that takes it from 0 emits for all. */
        volatile int wip;
        /**
         * Emissions waiting for the emitting thread; created at the first contention (most topics
         * never see one). Not bounded: it grows only while other threads emit faster than one
         * thread delivers, and every emitter returns at once, so an overload costs memory here
         * for a moment rather than a spinning event loop or a lost broadcast.
         */
        volatile Queue<TopicEvent> pending;

        void markReady() {
            ready = true;
            interested.tryEmitEmpty();
        }

        Topic(String name) {
            this.name = name;
        }
    }

    private static final AtomicIntegerFieldUpdater<Topic> WIP = AtomicIntegerFieldUpdater.newUpdater(Topic.class, "wip");
    @SuppressWarnings("rawtypes")
    private static final AtomicReferenceFieldUpdater<Topic, Queue> PENDING =
            AtomicReferenceFieldUpdater.newUpdater(Topic.class, Queue.class, "pending");
    /** Queued after a topic's last event to complete its sink. */
    private static final TopicEvent COMPLETE = new TopicEvent(null, null, Set.of(), false, null);

    private final ConcurrentHashMap<String, Topic> topics = new ConcurrentHashMap<>();
    private final int maxPerTopic;
    private final int maxTopicsPerConnection;
    /**
     * Told (topic, true) when a topic gets its first subscriber and (topic, false) when it loses
     * its last; the returned Mono (subscribed here) completes when the broker has taken it.
     */
    private final TopicInterest interest;
    private final Runnable onEmitFailure;
    private volatile boolean closed;
    private final Membership membership;

    /** Told after a connection joined ({@code true}) or left a topic. */
    interface Membership {
        void changed(HubConnection c, String topic, boolean joined);
    }

    Topics(int maxPerTopic, int maxTopicsPerConnection, BiFunction<String, Boolean, Mono<Void>> interest,
           Runnable onEmitFailure) {
        this(maxPerTopic, maxTopicsPerConnection, interest, onEmitFailure, (c, t, j) -> { });
    }

    Topics(int maxPerTopic, int maxTopicsPerConnection, BiFunction<String, Boolean, Mono<Void>> interest,
           Runnable onEmitFailure, Membership membership) {
        this.membership = membership;
        this.maxPerTopic = maxPerTopic;
        this.maxTopicsPerConnection = maxTopicsPerConnection;
        this.interest = new TopicInterest(interest, topics::get);
        this.onEmitFailure = onEmitFailure;
    }

    Result subscribe(HubConnection c, String name) {
        return subscribe(c, name, null);
    }

    /**
     * As {@link #subscribe(HubConnection, String)}, the topic's events going to {@code onEvent}
     * ({@code null}: straight to the connection's queue).
     */
    Result subscribe(HubConnection c, String name, Consumer<TopicEvent> onEvent) {
        if (c.subscriptions.contains(name)) {
            return Result.ALREADY;
        }
        if (c.subscriptions.size() >= maxTopicsPerConnection) {
            return Result.TOO_MANY_TOPICS;
        }
        Result[] result = {Result.SUBSCRIBED};
        boolean[] created = {false};
        Topic t = topics.compute(name, (k, existing) -> {
            Topic topic = existingOrNew(existing, k, created);
            if (topic.connections.contains(c)) {
                result[0] = Result.ALREADY;
                return topic;
            }
            if (topic.connections.size() >= maxPerTopic) {
                result[0] = Result.TOPIC_FULL;
                created[0] = false;
                return existing;
            }
            topic.connections.add(c);
            topic.refs++;
            return topic;
        });
        if (result[0] != Result.SUBSCRIBED) {
            return result[0];
        }
        Disposable d;
        if (onEvent == null) {
            TopicSubscriber s = c.topicSubscriber();
            t.sink.asFlux().subscribe(s);
            d = s;
        } else {
            d = t.sink.asFlux().subscribe(onEvent);
        }
        // The topic's own name, not the one parsed from this request: one string for all its subscribers.
        c.subscriptions.put(t.name, d);
        if (created[0]) {
            interest.changed(name);
        }
        membership.changed(c, name, true);
        return Result.SUBSCRIBED;
    }

    boolean unsubscribe(HubConnection c, String name) {
        Disposable d = c.subscriptions.remove(name);
        if (d == null) {
            return false;
        }
        d.dispose();
        release(name, c);
        membership.changed(c, name, false);
        return true;
    }

    void unsubscribeAll(HubConnection c) {
        for (String name : c.subscriptions.topics()) {
            unsubscribe(c, name);
        }
    }

    /**
     * An in-process subscriber's view of a topic; counts as a subscriber while subscribed, and
     * completes when the registry is {@link #close() closed} (at once if it already is).
     */
    Flux<TopicEvent> inProcess(String name) {
        return Flux.defer(() -> {
            if (closed) {
                return Flux.empty();
            }
            boolean[] created = {false};
            Topic t = topics.compute(name, (k, existing) -> {
                Topic topic = existingOrNew(existing, k, created);
                topic.refs++;
                return topic;
            });
            if (created[0]) {
                interest.changed(name);
            }
            if (closed) {
                // close() may have passed this topic before it was created or joined here.
                emit(t, COMPLETE);
            }
            return t.sink.asFlux().doFinally(s -> release(name, null));
        });
    }

    /** {@code existing}, or a new topic named {@code name}, which sets {@code created[0]}. */
    private static Topic existingOrNew(Topic existing, String name, boolean[] created) {
        if (existing != null) {
            return existing;
        }
        created[0] = true;
        return new Topic(name);
    }

    /** Completes every topic's sink, so every in-process subscriber completes; later ones complete at once. */
    void close() {
        closed = true;
        for (Topic t : topics.values()) {
            emit(t, COMPLETE);
        }
    }

    /**
     * Completes when the broker carries the topic to this node, so that a {@code subscribed}
     * reply means messages published on other nodes from then on arrive (or at once when the
     * topic is gone or the broker already has it). Errors are the interest function's to report.
     */
    Mono<Void> ready(String name) {
        Topic t = topics.get(name);
        return t == null || t.ready ? Mono.empty() : t.interested.asMono();
    }

    boolean isReady(String name) {
        Topic t = topics.get(name);
        return t == null || t.ready;
    }

    private void release(String name, HubConnection c) {
        boolean[] removed = {false};
        Topic[] gone = {null};
        topics.computeIfPresent(name, (k, topic) -> {
            if (c == null || topic.connections.remove(c)) {
                topic.refs--;
            }
            if (topic.refs <= 0) {
                removed[0] = true;
                gone[0] = topic;
                return null;
            }
            return topic;
        });
        if (removed[0]) {
            emit(gone[0], COMPLETE);
            // Whoever still waits for this topic to be ready (a subscribe reply of a subscriber that has
            // left since) is released: its lane may never tell the broker about this topic object again.
            gone[0].interested.tryEmitEmpty();
            if (!closed) {
                interest.changed(name);
            }
        }
    }

    /**
     * Emits one event to every named topic that exists. Returns the connections it reached, or,
     * where another thread delivers it, the connections subscribed now that it does not exclude.
     */
    int emit(Collection<String> names, TopicEvent event) {
        boolean handedOver = false;
        for (String name : names) {
            Topic t = topics.get(name);
            if (t != null && !emit(t, event)) {
                handedOver = true;
            }
        }
        return handedOver ? willReach(names, event) : event.reached();
    }

    /**
     * Emits one event to a topic, or hands it to the thread emitting there: the serialized drain
     * loop. Returns whether this thread delivered it (so its count of reached connections is this
     * thread's to read).
     */
    private boolean emit(Topic t, TopicEvent event) {
        if (t.wip == 0 && WIP.compareAndSet(t, 0, 1)) {
            // Uncontended: straight to the sink, nothing queued.
            deliver(t, event);
            if (WIP.decrementAndGet(t) == 0) {
                return true;
            }
        } else {
            pending(t).offer(event);
            if (WIP.getAndIncrement(t) != 0) {
                return false;
            }
        }
        int missed = 1;
        for (;;) {
            Queue<TopicEvent> q = t.pending;
            for (TopicEvent e; q != null && (e = q.poll()) != null; ) {
                deliver(t, e);
            }
            missed = WIP.addAndGet(t, -missed);
            if (missed == 0) {
                return true;
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Queue<TopicEvent> pending(Topic t) {
        Queue<TopicEvent> q = t.pending;
        if (q == null) {
            q = Queues.<TopicEvent>unboundedMultiproducer().get();
            if (!PENDING.compareAndSet(t, null, q)) {
                q = t.pending;
            }
        }
        return q;
    }

    private void deliver(Topic t, TopicEvent event) {
        if (event == COMPLETE) {
            t.sink.tryEmitComplete();
            return;
        }
        try {
            switch (t.sink.tryEmitNext(event)) {
                case OK, FAIL_ZERO_SUBSCRIBER, FAIL_TERMINATED, FAIL_CANCELLED -> { }
                default -> onEmitFailure.run(); // cannot happen while emissions are serialized here
            }
        } catch (RuntimeException e) {
            // A subscriber that throws must not leave the topic held by this thread for good.
            onEmitFailure.run();
            Operators.onErrorDropped(e, Context.empty());
        }
    }

    /** The connections an event handed to another thread will reach (queue refusals aside). */
    private int willReach(Collection<String> names, TopicEvent event) {
        if (names.size() == 1 && event.excluded.isEmpty()) {
            return connections(names.iterator().next()).size();
        }
        Set<String> ids = new HashSet<>();
        for (String name : names) {
            for (HubConnection c : connections(name)) {
                if (!event.excluded.contains(c.id)) {
                    ids.add(c.id);
                }
            }
        }
        return ids.size();
    }

    Set<HubConnection> connections(String name) {
        Topic t = topics.get(name);
        return t == null ? Set.of() : t.connections;
    }

    Map<String, Integer> subscriberCounts() {
        Map<String, Integer> out = new TreeMap<>();
        topics.forEach((k, t) -> out.put(k, t.connections.size()));
        return out;
    }

    int size() {
        return topics.size();
    }
}
