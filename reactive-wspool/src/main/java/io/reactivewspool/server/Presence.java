package io.reactivewspool.server;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

import io.reactivewspool.internal.OptionRange;

/**
 * Who is subscribed to a topic, across the cluster ({@link WsHub#presence(String)}): the users with
 * how many of their connections are subscribed, and the total number of subscribed connections
 * (anonymous connections count in {@code connections} only). With a Redis broker each node's share
 * expires when the node stops refreshing it, so a dead node drops out.
 *
 * <pre>{@code
 * hub.presence("room/42").subscribe(p ->
 *         log.info("{} users, {} connections in room/42", p.users().size(), p.connections()));
 * }</pre>
 *
 * @param topic       the topic
 * @param users       user id to subscribed connections of that user, sorted by user id
 * @param connections subscribed connections, anonymous ones included
 */
public record Presence(String topic, Map<String, Integer> users, int connections) {

    public Presence {
        Objects.requireNonNull(topic, "topic");
        users = Collections.unmodifiableMap(new TreeMap<>(Objects.requireNonNull(users, "users")));
        OptionRange.atLeast("connections", connections, 0);
    }
}
