package io.reactivewspool.internal.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One node's entries of the {@link io.reactivewspool.broker.Broker} node state in Redis (see
 * {@link io.reactivewspool.broker.Broker#heartbeat}):
 * <pre>
 * P:nodes              set of node ids that have beaten (a dead one is pruned by readers)
 * P:nh:NODE            the node's heartbeat (PX ttl): readers ignore every entry of a node without it
 * P:nm:NODE            the node's mark (PX 2 ttl): while it lives, so do the node's entries
 * P:ns:NAME:NODE       hash, the node's entries of the state NAME by key (PX 2 ttl, or more)
 * </pre>
 * (In a cluster {@code P} is the hash tag {@code {P}}: the prune script reads the index and the
 * heartbeats in one call.) The entries outlive the heartbeat, so a node that misses a heartbeat or
 * two (a pause, a slow Redis) comes back with them intact instead of writing every topic again;
 * only a node whose mark is gone (longer silence, or Redis lost its data) is told to write them
 * all again.
 */
final class RedisNodeState {

    private final RedisClusterReactiveCommands<byte[], byte[]> commands;
    private final RedisKeys keys;
    private final String nodeId;

    RedisNodeState(RedisClusterReactiveCommands<byte[], byte[]> commands, RedisKeys keys, String nodeId) {
        this.commands = commands;
        this.keys = keys;
        this.nodeId = nodeId;
    }

    /** Fields per HSET/HDEL: a state of 10,000 topics goes in a few commands of bounded size. */
    private static final int STATE_BATCH = 1_000;
    /** Removes, atomically per node, the index entry of each node whose heartbeat key is absent. */
    private static final String PRUNE = "for i = 1, #ARGV do "
            + "if redis.call('EXISTS', KEYS[i + 1]) == 0 then redis.call('SREM', KEYS[1], ARGV[i]) end end return 0";
    /** Replaces a node's entries of one state at once: ARGV = ttl ms, then key, value, key, value… */
    private static final String REPLACE = "redis.call('DEL', KEYS[1]) "
            + "for i = 2, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end "
            + "redis.call('PEXPIRE', KEYS[1], ARGV[1]) return 0";
    /** The state names this node has written, so that a heartbeat extends all of them. */
    private final Set<String> stateNames = ConcurrentHashMap.newKeySet();

    /** How long the mark and the entries live: twice the heartbeat's TTL. */
    private static long entryMillis(Duration ttl) {
        return 2 * Math.max(1, ttl.toMillis());
    }

    Mono<Boolean> heartbeat(Duration ttl) {
        return Mono.defer(() -> {
            long ms = Math.max(1, ttl.toMillis());
            long keep = entryMillis(ttl);
            byte[] node = RedisKeys.bytes(nodeId);
            byte[] mark = keys.mark(nodeId);
            Mono<Void> beat = commands.set(keys.heartbeat(nodeId), node,
                    SetArgs.Builder.px(ms)).then();
            // SET … XX answers nil when the key is gone: the entries may be gone with it.
            Mono<Boolean> intact = commands.set(mark, node, SetArgs.Builder.px(keep).xx())
                    .map(ok -> true)
                    .switchIfEmpty(Mono.defer(() -> commands.set(mark, node,
                            SetArgs.Builder.px(keep)).thenReturn(false)));
            return beat.then(intact).flatMap(wasIntact -> {
                List<Mono<?>> extend = new ArrayList<>();
                extend.add(commands.sadd(keys.nodeIndex(), node));
                extend.add(commands.pexpire(keys.nodeIndex(), keep)); // pushed forward by every live node
                for (String name : stateNames) {
                    extend.add(commands.pexpire(keys.state(name, nodeId), keep));
                }
                return Mono.when(extend).thenReturn(wasIntact);
            });
        });
    }

    Mono<Void> putNodeState(String name, Map<String, String> entries,
                                   Collection<String> removed, Duration ttl) {
        return Mono.defer(() -> {
            if (entries.isEmpty() && removed.isEmpty()) {
                return Mono.empty();
            }
            stateNames.add(name);
            byte[] key = keys.state(name, nodeId);
            // Issued in this order on the one connection, so Redis applies them in this order.
            List<Mono<?>> writes = new ArrayList<>();
            Map<byte[], byte[]> batch = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : entries.entrySet()) {
                batch.put(RedisKeys.bytes(e.getKey()), RedisKeys.bytes(e.getValue()));
                if (batch.size() == STATE_BATCH) {
                    writes.add(commands.hset(key, batch));
                    batch = new LinkedHashMap<>();
                }
            }
            if (!batch.isEmpty()) {
                writes.add(commands.hset(key, batch));
            }
            List<String> gone = List.copyOf(removed);
            for (int i = 0; i < gone.size(); i += STATE_BATCH) {
                writes.add(commands.hdel(key, gone.subList(i, Math.min(gone.size(), i + STATE_BATCH)).stream()
                        .map(RedisKeys::bytes).toArray(byte[][]::new)));
            }
            writes.add(commands.pexpire(key, entryMillis(ttl)));
            return Mono.when(writes);
        });
    }

    Mono<Void> replaceNodeState(String name, Map<String, String> entries, Duration ttl) {
        return Mono.defer(() -> {
            stateNames.add(name);
            byte[] key = keys.state(name, nodeId);
            if (entries.isEmpty()) {
                return commands.del(key).then();
            }
            byte[][] args = new byte[1 + 2 * entries.size()][];
            args[0] = RedisKeys.bytes(Long.toString(entryMillis(ttl)));
            int i = 1;
            for (Map.Entry<String, String> e : entries.entrySet()) {
                args[i++] = RedisKeys.bytes(e.getKey());
                args[i++] = RedisKeys.bytes(e.getValue());
            }
            // One script: readers see the old entries or the new ones, never a half-written state.
            return commands.eval(REPLACE, ScriptOutputType.INTEGER, new byte[][] {key}, args).then();
        });
    }

    Mono<Void> removeNodeState() {
        return Mono.defer(() -> {
            List<byte[]> gone = new ArrayList<>();
            gone.add(keys.heartbeat(nodeId));
            gone.add(keys.mark(nodeId));
            stateNames.forEach(name -> gone.add(keys.state(name, nodeId)));
            return Mono.when(commands.del(gone.toArray(byte[][]::new)),
                    commands.srem(keys.nodeIndex(), RedisKeys.bytes(nodeId)));
        });
    }

    /** The nodes of the index whose heartbeat lives (the dead ones are pruned from it). */
    Mono<Set<String>> liveNodes() {
        return Mono.defer(() -> commands.smembers(keys.nodeIndex()).map(RedisNodeState::string).collectList()
                .flatMap(nodes -> {
                    if (nodes.isEmpty()) {
                        return Mono.just(Set.<String>of());
                    }
                    byte[][] beats = nodes.stream().map(keys::heartbeat).toArray(byte[][]::new);
                    return commands.mget(beats).collectList().map(values -> {
                        Set<String> live = new TreeSet<>();
                        List<String> dead = new ArrayList<>();
                        for (int i = 0; i < values.size() && i < nodes.size(); i++) {
                            if (values.get(i).hasValue()) {
                                live.add(nodes.get(i));
                            } else {
                                dead.add(nodes.get(i));
                            }
                        }
                        prune(dead);
                        return live;
                    });
                }));
    }

    Mono<Map<String, String>> nodeStates(String name, String key) {
        return liveNodes().flatMap(live -> {
            byte[] field = RedisKeys.bytes(key);
            return Flux.fromIterable(live)
                    .flatMap(n -> commands.hget(keys.state(name, n), field)
                            .map(v -> Map.entry(n, string(v))))
                    .collectMap(Map.Entry::getKey, Map.Entry::getValue, TreeMap::new);
        });
    }

    /** Drops dead nodes from the index; a node that beats again meanwhile keeps its place (the script checks). */
    private void prune(List<String> dead) {
        if (dead.isEmpty()) {
            return;
        }
        byte[][] scriptKeys = new byte[dead.size() + 1][];
        scriptKeys[0] = keys.nodeIndex();
        for (int i = 0; i < dead.size(); i++) {
            scriptKeys[i + 1] = keys.heartbeat(dead.get(i));
        }
        byte[][] ids = dead.stream().map(RedisKeys::bytes).toArray(byte[][]::new);
        commands.eval(PRUNE, ScriptOutputType.INTEGER, scriptKeys, ids).subscribe(null, e -> { });
    }

    private static String string(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
