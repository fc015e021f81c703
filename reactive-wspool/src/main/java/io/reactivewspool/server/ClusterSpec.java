package io.reactivewspool.server;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

import io.reactivewspool.internal.OptionRange;

/**
 * What the hub shares with the other nodes: which topics' presence it tracks, which topics'
 * subscribers are told of joins and leaves, and how long a node's entries count in the cluster
 * state without a heartbeat. Immutable; part of {@link WsHubOptions#cluster()}.
 *
 * <table>
 * <caption>Cluster</caption>
 * <tr><th>option</th><th>default</th><th>range</th></tr>
 * <tr><td>presenceTopics</td><td>none: {@link WsHub#presence(String)} only for presenceEvents topics</td><td>topic glob patterns</td></tr>
 * <tr><td>presenceEvents</td><td>none: no {@code join}/{@code leave} messages</td><td>topic glob patterns</td></tr>
 * <tr><td>stateTtl</td><td>{@link #DEFAULT_STATE_TTL} (15 s)</td><td>300 ms .. 10 min; refreshed every third of it</td></tr>
 * <tr><td>requestTimeout</td><td>{@link #DEFAULT_REQUEST_TIMEOUT} (3 s)</td><td>50 ms .. 1 min</td></tr>
 * </table>
 *
 * <pre>{@code
 * ClusterSpec cluster = ClusterSpec.builder().presenceEvents(List.of("room/*")).presenceTopics(List.of("doc/*")).build();
 * }</pre>
 */
public final class ClusterSpec {

    /** Default {@code stateTtl}: 15 s. */
    public static final Duration DEFAULT_STATE_TTL = Duration.ofSeconds(15);

    /** Default {@code requestTimeout}: 3 s. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(3);

    private static final ClusterSpec DEFAULTS = builder().build();

    private final List<String> presenceTopics;
    private final List<Pattern> presenceTopicPatterns;
    private final List<String> presenceEvents;
    private final List<Pattern> presenceEventPatterns;
    private final Duration stateTtl;
    private final Duration requestTimeout;

    private ClusterSpec(Builder b) {
        presenceTopics = b.presenceTopics;
        presenceTopicPatterns = presenceTopics.stream().map(TopicPolicy::glob).toList();
        presenceEvents = b.presenceEvents;
        presenceEventPatterns = presenceEvents.stream().map(TopicPolicy::glob).toList();
        stateTtl = b.stateTtl;
        requestTimeout = b.requestTimeout;
    }

    /** The default cluster settings. */
    public static ClusterSpec defaults() {
        return DEFAULTS;
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder pre-filled with these settings. */
    public Builder mutate() {
        return new Builder().presenceTopics(presenceTopics).presenceEvents(presenceEvents).stateTtl(stateTtl)
                .requestTimeout(requestTimeout);
    }

    /** The topic glob patterns whose subscribers receive {@code join} and {@code leave} messages. */
    public List<String> presenceEvents() {
        return presenceEvents;
    }

    /** Whether a topic's subscribers receive {@code join} and {@code leave} messages. */
    public boolean presenceEvents(String topic) {
        return matches(presenceEventPatterns, topic);
    }

    /** The topic glob patterns whose presence the hub tracks (besides the {@link #presenceEvents()} ones). */
    public List<String> presenceTopics() {
        return presenceTopics;
    }

    /**
     * Whether the hub tracks the presence of a topic, so that {@link WsHub#presence(String)} answers
     * for it: the topic matches a {@link #presenceTopics()} or a {@link #presenceEvents()} pattern.
     */
    public boolean tracksPresence(String topic) {
        return matches(presenceTopicPatterns, topic) || matches(presenceEventPatterns, topic);
    }

    /**
     * How long a node's entries in the cluster state (its stats, its share of each tracked topic's
     * presence) count without a heartbeat: the hub writes an entry when it changes and refreshes
     * one heartbeat per node every third of this, so a node that stops drops out after at most
     * this long, whatever the number of its topics.
     */
    public Duration stateTtl() {
        return stateTtl;
    }

    /**
     * How long a cluster-wide operation on one connection ({@link WsHub#sendToConnection},
     * {@link WsHub#subscribeConnection}, {@link HubAdmin#clusterConnection} …) waits for the other
     * live nodes to answer; past it, the answer says which nodes stayed silent
     * ({@link ConnectionOutcome.Status#NO_ANSWER}, {@link ConnectionPage#unansweredNodes()}).
     */
    public Duration requestTimeout() {
        return requestTimeout;
    }

    private static boolean matches(List<Pattern> patterns, String topic) {
        for (Pattern p : patterns) {
            if (p.matcher(topic).matches()) {
                return true;
            }
        }
        return false;
    }

    /** Builds {@link ClusterSpec}; every setter checks its value at once. Not thread-safe. */
    public static final class Builder {
        private List<String> presenceTopics = List.of();
        private List<String> presenceEvents = List.of();
        private Duration stateTtl = DEFAULT_STATE_TTL;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;

        private Builder() {
        }

        /**
         * The topics (glob patterns, {@code *} and {@code ?}) whose subscribers receive a
         * {@code join} message when a connection subscribes and a {@code leave} message when one
         * unsubscribes or closes, on every node. Replaces earlier patterns; empty (the default): none.
         */
        public Builder presenceEvents(Collection<String> globPatterns) {
            presenceEvents = globs("presenceEvents", globPatterns);
            return this;
        }

        /**
         * The topics (glob patterns, {@code *} and {@code ?}) whose presence the hub tracks, so that
         * {@link WsHub#presence(String)} answers for them; topics with {@link #presenceEvents} are
         * tracked too. Replaces earlier patterns; empty (the default): only those. With a cluster
         * broker each tracked topic costs one entry per node in the broker, written when its
         * subscribers change; an untracked topic costs nothing there, and asking its presence is
         * an error (on one node too, so that a single-node test finds what a cluster would refuse).
         */
        public Builder presenceTopics(Collection<String> globPatterns) {
            presenceTopics = globs("presenceTopics", globPatterns);
            return this;
        }

        /** See {@link ClusterSpec#stateTtl()}; 300 ms .. 10 min. */
        public Builder stateTtl(Duration v) {
            stateTtl = OptionRange.between("clusterStateTtl", v, Duration.ofMillis(300), Duration.ofMinutes(10));
            return this;
        }

        /** See {@link ClusterSpec#requestTimeout()}; 50 ms .. 1 min. */
        public Builder requestTimeout(Duration v) {
            requestTimeout = OptionRange.between("clusterRequestTimeout", v, Duration.ofMillis(50), Duration.ofMinutes(1));
            return this;
        }

        private static List<String> globs(String field, Collection<String> globPatterns) {
            Objects.requireNonNull(globPatterns, field);
            for (String g : globPatterns) {
                if (g == null || g.isBlank()) {
                    throw new IllegalArgumentException(field + " must not contain blank patterns, was " + globPatterns);
                }
            }
            return List.copyOf(globPatterns);
        }

        public ClusterSpec build() {
            return new ClusterSpec(this);
        }
    }
}
