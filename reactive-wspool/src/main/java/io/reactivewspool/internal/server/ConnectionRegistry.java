package io.reactivewspool.internal.server;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import io.reactivewspool.server.ConnectionInfo;

/**
 * The hub's connections: by id, by user, and the slots that bound them
 * ({@code maxConnections}, {@code maxConnectionsPerUser}). No lock is held across a send; the
 * per-user set is changed only inside its map entry's {@code compute}.
 */
final class ConnectionRegistry {

    private final ConcurrentHashMap<String, HubConnection> connections = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Set<HubConnection>> byUser = new ConcurrentHashMap<>();
    private final AtomicInteger slots = new AtomicInteger();
    private final int maxConnections;
    private final int maxConnectionsPerUser;
    private final Topics topics;

    ConnectionRegistry(int maxConnections, int maxConnectionsPerUser, Topics topics) {
        this.maxConnections = maxConnections;
        this.maxConnectionsPerUser = maxConnectionsPerUser;
        this.topics = topics;
    }

    /** Takes a slot for a new connection; returns the limit that refused it, or {@code null}. */
    String takeSlot() {
        if (slots.incrementAndGet() > maxConnections) {
            slots.decrementAndGet();
            return "max_connections=" + maxConnections;
        }
        return null;
    }

    /**
     * Gives a new connection of a user (who has a slot) its place among the user's connections;
     * returns the limit that refused it (its slot is given back), or {@code null}.
     */
    String joinUser(HubConnection c) {
        if (c.userId != null && !addToUser(c)) {
            slots.decrementAndGet();
            return "max_connections_per_user=" + maxConnectionsPerUser;
        }
        return null;
    }

    void add(HubConnection c) {
        connections.put(c.id, c);
    }

    private boolean addToUser(HubConnection c) {
        boolean[] added = {false};
        byUser.compute(c.userId, (k, set) -> {
            Set<HubConnection> s = set == null ? ConcurrentHashMap.newKeySet() : set;
            if (s.size() < maxConnectionsPerUser) {
                s.add(c);
                added[0] = true;
            }
            return s.isEmpty() ? null : s;
        });
        return added[0];
    }

    /** Removes a connection from every index; {@code false} when it was not registered. */
    boolean remove(HubConnection c) {
        if (!connections.remove(c.id, c)) {
            return false;
        }
        slots.decrementAndGet();
        if (c.userId != null) {
            byUser.computeIfPresent(c.userId, (k, s) -> {
                s.remove(c);
                return s.isEmpty() ? null : s;
            });
        }
        return true;
    }

    HubConnection get(String id) {
        return connections.get(id);
    }

    /** The live view of every registered connection. */
    Collection<HubConnection> all() {
        return connections.values();
    }

    int size() {
        return connections.size();
    }

    /** How many users have a connection here. */
    int users() {
        return byUser.size();
    }

    /** The user's connections here (live view; empty when none). */
    Set<HubConnection> ofUser(String userId) {
        return byUser.getOrDefault(userId, Set.of());
    }

    List<HubConnection> byIds(Collection<String> ids) {
        List<HubConnection> targets = new ArrayList<>();
        for (String id : new HashSet<>(ids)) {
            HubConnection c = connections.get(id);
            if (c != null) {
                targets.add(c);
            }
        }
        return targets;
    }

    /** The connections of a user and/or subscribed to a topic ({@code null}: any). */
    List<HubConnection> select(String userId, String topic) {
        List<HubConnection> out = new ArrayList<>();
        for (HubConnection c : connections.values()) {
            if ((userId == null || userId.equals(c.userId)) && (topic == null || c.subscriptions.contains(topic))) {
                out.add(c);
            }
        }
        return out;
    }

    /** What the admin API lists: the matching connections, oldest first. */
    List<ConnectionInfo> infos(String userId, String topic) {
        return window(userId, topic, Integer.MAX_VALUE).connections();
    }

    /**
     * The first {@code max} matching connections, oldest first, and how many match
     * ({@code null} filters: any).
     */
    record Window(List<ConnectionInfo> connections, int total) {
    }

    private static final Comparator<HubConnection> OLDEST_FIRST =
            Comparator.<HubConnection>comparingLong(c -> c.createdAtMillis).thenComparing(c -> c.id);

    Window window(String userId, String topic, int max) {
        Collection<HubConnection> base;
        if (userId != null) {
            base = byUser.getOrDefault(userId, Set.of());
        } else if (topic != null) {
            base = topics.connections(topic);
        } else {
            base = connections.values();
        }
        // The newest of the kept ones on top: a listing of the first page never sorts them all.
        PriorityQueue<HubConnection> kept = new PriorityQueue<>(OLDEST_FIRST.reversed());
        int total = 0;
        for (HubConnection c : base) {
            if ((userId == null || userId.equals(c.userId)) && (topic == null || c.subscriptions.contains(topic))) {
                total++;
                kept.add(c);
                if (kept.size() > max) {
                    kept.poll();
                }
            }
        }
        List<HubConnection> sorted = new ArrayList<>(kept);
        sorted.sort(OLDEST_FIRST);
        List<ConnectionInfo> out = new ArrayList<>(sorted.size());
        for (HubConnection c : sorted) {
            out.add(c.info());
        }
        return new Window(out, total);
    }

    static String newId() {
        // Not UUID.randomUUID(): SecureRandom may read /dev/urandom, a blocking call on an event loop.
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long hi = (r.nextLong() & ~0xF000L) | 0x4000L;
        long lo = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(hi, lo).toString();
    }
}
