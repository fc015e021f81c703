package io.reactivewspool.internal.server;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import reactor.core.Disposable;

/**
 * One connection's topic subscriptions: topic name to the handle that ends the subscription.
 * Most connections have a few topics for their whole life, so up to {@value #ARRAY_LIMIT} they are
 * a copied-on-write array of name/handle pairs (40 bytes for one topic, against about 150 for a
 * {@code ConcurrentHashMap}); past that, a {@code ConcurrentHashMap}. Reads take no lock; the rare
 * writes (subscribe, unsubscribe) synchronize on this object.
 */
final class Subscriptions {

    static final int ARRAY_LIMIT = 8;
    private static final Object[] EMPTY = {};

    /** {@code Object[]} of {name0, handle0, name1, handle1, ...}, or a {@code Map<String, Disposable>}. */
    private volatile Object entries = EMPTY;

    Disposable get(String topic) {
        Object e = entries;
        if (e instanceof Object[] pairs) {
            for (int i = 0; i < pairs.length; i += 2) {
                if (pairs[i].equals(topic)) {
                    return (Disposable) pairs[i + 1];
                }
            }
            return null;
        }
        return map(e).get(topic);
    }

    boolean contains(String topic) {
        return get(topic) != null;
    }

    int size() {
        Object e = entries;
        return e instanceof Object[] pairs ? pairs.length / 2 : map(e).size();
    }

    /** Adds or replaces the topic's handle. */
    synchronized void put(String topic, Disposable handle) {
        Object e = entries;
        if (!(e instanceof Object[] pairs)) {
            map(e).put(topic, handle);
            return;
        }
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i].equals(topic)) {
                Object[] copy = pairs.clone();
                copy[i + 1] = handle;
                entries = copy;
                return;
            }
        }
        if (pairs.length / 2 < ARRAY_LIMIT) {
            Object[] copy = Arrays.copyOf(pairs, pairs.length + 2);
            copy[pairs.length] = topic;
            copy[pairs.length + 1] = handle;
            entries = copy;
            return;
        }
        Map<String, Disposable> m = new ConcurrentHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put((String) pairs[i], (Disposable) pairs[i + 1]);
        }
        m.put(topic, handle);
        entries = m;
    }

    /** Removes the topic; its handle, or {@code null} when it was not there. */
    synchronized Disposable remove(String topic) {
        Object e = entries;
        if (!(e instanceof Object[] pairs)) {
            return map(e).remove(topic);
        }
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i].equals(topic)) {
                Object[] copy = new Object[pairs.length - 2];
                System.arraycopy(pairs, 0, copy, 0, i);
                System.arraycopy(pairs, i + 2, copy, i, pairs.length - i - 2);
                entries = copy.length == 0 ? EMPTY : copy;
                return (Disposable) pairs[i + 1];
            }
        }
        return null;
    }

    /** A snapshot of the topic names. */
    List<String> topics() {
        Object e = entries;
        if (e instanceof Object[] pairs) {
            List<String> names = new ArrayList<>(pairs.length / 2);
            for (int i = 0; i < pairs.length; i += 2) {
                names.add((String) pairs[i]);
            }
            return names;
        }
        return new ArrayList<>(map(e).keySet());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Disposable> map(Object e) {
        return (Map<String, Disposable>) e;
    }
}
