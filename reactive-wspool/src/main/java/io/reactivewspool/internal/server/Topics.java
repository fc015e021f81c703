package io.reactivewspool.internal.server;

import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;

import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The topic registry: one multicast sink per topic, created with its first subscriber (a
 * connection or an in-process {@code hub.topic(name)} subscription) and removed with its last.
 * Entries change only inside {@link ConcurrentHashMap#compute}, so a subscribe racing the last
 * unsubscribe either joins the old entry before it goes or creates a new one.
 */
final class Topics {

    enum Result { SUBSCRIBED, ALREADY, TOO_MANY_TOPICS, TOPIC_FULL }

    static final class Topic {
        final String name;
        // directBestEffort: never paces to a slow subscriber. Connections request unbounded and
        // push into their own bounded queue; in-process subscribers buffer on their side.
        final Sinks.Many<TopicEvent> sink = Sinks.many().multicast().directBestEffort();
        final Set<DefaultConnection> connections = ConcurrentHashMap.newKeySet();
        int refs; // guarded by the map's compute
        /** Completes once the broker has taken this node's interest in the topic (or failed to). */
        final Sinks.Empty<Void> interested = Sinks.empty();
        volatile boolean ready;

        void markReady() {
            ready = true;
            interested.tryEmitEmpty();
        }

        Topic(String name) {
            this.name = name;
        }
    }

    private final ConcurrentHashMap<String, Topic> topics = new ConcurrentHashMap<>();
    private final int maxPerTopic;
    private final int maxTopicsPerConnection;
    /**
     * Told (topic, true) when a topic gets its first subscriber and (topic, false) when it loses
     * its last; the returned Mono (subscribed here) completes when the broker has taken it.
     */
    private final BiFunction<String, Boolean, Mono<Void>> interest;
    private final Runnable onEmitFailure;
    private final Membership membership;

    /** Told after a connection joined ({@code true}) or left a topic. */
    interface Membership {
        void changed(DefaultConnection c, String topic, boolean joined);
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
        this.interest = interest;
        this.onEmitFailure = onEmitFailure;
    }

    Result subscribe(DefaultConnection c, String name) {
        return subscribe(c, name, null);
    }

    /**
     * As {@link #subscribe(DefaultConnection, String)}, the topic's events going to {@code onEvent}
     * ({@code null}: straight to the connection's queue).
     */
    Result subscribe(DefaultConnection c, String name, java.util.function.Consumer<TopicEvent> onEvent) {
        if (c.subscriptions.contains(name)) {
            return Result.ALREADY;
        }
        if (c.subscriptions.size() >= maxTopicsPerConnection) {
            return Result.TOO_MANY_TOPICS;
        }
        Result[] result = {Result.SUBSCRIBED};
        boolean[] created = {false};
        Topic t = topics.compute(name, (k, existing) -> {
            Topic topic = existing;
            if (topic == null) {
                topic = new Topic(k);
                created[0] = true;
            }
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
        c.subscriptions.put(name, d);
        if (created[0]) {
            declareInterest(t);
        }
        membership.changed(c, name, true);
        return Result.SUBSCRIBED;
    }

    boolean unsubscribe(DefaultConnection c, String name) {
        Disposable d = c.subscriptions.remove(name);
        if (d == null) {
            return false;
        }
        d.dispose();
        release(name, c);
        membership.changed(c, name, false);
        return true;
    }

    void unsubscribeAll(DefaultConnection c) {
        for (String name : c.subscriptions.topics()) {
            unsubscribe(c, name);
        }
    }

    /** An in-process subscriber's view of a topic; counts as a subscriber while subscribed. */
    Flux<TopicEvent> inProcess(String name) {
        return Flux.defer(() -> {
            boolean[] created = {false};
            Topic t = topics.compute(name, (k, existing) -> {
                Topic topic = existing;
                if (topic == null) {
                    topic = new Topic(k);
                    created[0] = true;
                }
                topic.refs++;
                return topic;
            });
            if (created[0]) {
                declareInterest(t);
            }
            return t.sink.asFlux().doFinally(s -> release(name, null));
        });
    }

    private void declareInterest(Topic t) {
        interest.apply(t.name, true).subscribe(null, e -> t.markReady(), t::markReady);
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

    private void release(String name, DefaultConnection c) {
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
            gone[0].sink.tryEmitComplete();
            interest.apply(name, false).subscribe(null, e -> { });
        }
    }

    /** Emits one event to every named topic that exists; returns the connections it reached. */
    int emit(Collection<String> names, TopicEvent event) {
        for (String name : names) {
            Topic t = topics.get(name);
            if (t != null) {
                emit(t.sink, event);
            }
        }
        return event.reached();
    }

    private void emit(Sinks.Many<TopicEvent> sink, TopicEvent event) {
        long deadline = 0;
        for (;;) {
            Sinks.EmitResult r = sink.tryEmitNext(event);
            switch (r) {
                case OK, FAIL_ZERO_SUBSCRIBER, FAIL_TERMINATED, FAIL_CANCELLED -> {
                    return;
                }
                case FAIL_NON_SERIALIZED -> {
                    // Another thread is emitting to this topic: delivery is a few queue offers per
                    // subscriber, so spin briefly rather than queue (see DESIGN.md pitfalls).
                    long now = System.nanoTime();
                    if (deadline == 0) {
                        deadline = now + 100_000_000L;
                    } else if (now - deadline > 0) {
                        onEmitFailure.run();
                        return;
                    }
                    Thread.onSpinWait();
                }
                default -> {
                    onEmitFailure.run();
                    return;
                }
            }
        }
    }

    Set<DefaultConnection> connections(String name) {
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
