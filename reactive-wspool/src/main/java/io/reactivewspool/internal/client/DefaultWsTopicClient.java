package io.reactivewspool.internal.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.reactivewspool.WsException;
import io.reactivewspool.client.WsClient;
import io.reactivewspool.client.WsClientOptions;
import io.reactivewspool.client.WsConnection;
import io.reactivewspool.client.WsTopicClient;
import io.reactivewspool.client.WsTopicClientOptions;
import io.reactivewspool.message.TopicName;
import io.reactivewspool.message.WsCloseStatus;
import io.reactivewspool.message.WsMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import tools.jackson.databind.JsonNode;

/**
 * {@link WsTopicClient}: one connection at a time, reconnected by a serial loop (connect, run,
 * back off, connect again) whose pending step is held in {@link #pending} so that closing
 * cancels it. The connection in use is a {@link Link}: whoever takes it out of {@link #current}
 * first (its close, its failed liveness ping, or closing the client) ends its tasks and, unless
 * the client is closed, schedules the next connect; the others find it gone and do nothing.
 */
public final class DefaultWsTopicClient implements WsTopicClient {

    private static final Logger LOG = LoggerFactory.getLogger(WsTopicClient.class);
    /** Server messages that are not topic messages. */
    private static final Set<String> NOT_TOPIC_MESSAGES = Set.of(WsMessage.WELCOME, WsMessage.SUBSCRIBED,
            WsMessage.UNSUBSCRIBED, WsMessage.PUBLISHED, WsMessage.PONG, WsMessage.ERROR, WsMessage.HEARTBEAT);

    private final WsTopicClientOptions options;
    private final List<WsClient> clients = new ArrayList<>();
    private final ConcurrentHashMap<String, TopicState> topics = new ConcurrentHashMap<>();
    private final Sinks.Many<String> gaps = Sinks.many().multicast().directBestEffort();
    private final AtomicReference<Link> current = new AtomicReference<>();
    /** Connections taken for dead whose close is still running (unanswered on a dead path); closing waits for them. */
    private final Set<WsConnection> retiring = ConcurrentHashMap.newKeySet();
    private volatile String currentUrl;
    /** The connect attempt or the backoff timer in progress. */
    private final Disposable.Swap pending = Disposables.swap();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Sinks.Empty<Void> done = Sinks.empty();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong late = new AtomicLong();
    private volatile int failedAttempts;

    public DefaultWsTopicClient(WsTopicClientOptions options) {
        this.options = options;
        for (WsClientOptions o : options.clients()) {
            clients.add(WsClient.create(o));
        }
        connect();
    }

    /** The connection in use and what is tied to it: its receive subscription and its liveness pings. */
    private static final class Link {
        final WsConnection conn;
        final Disposable.Composite tasks = Disposables.composite();
        /** Set by every inbound message; cleared before each liveness ping. */
        volatile boolean heard;

        Link(WsConnection conn) {
            this.conn = conn;
        }
    }

    private static final class TopicState {
        final String topic;
        final Sinks.Many<WsMessage> sink;
        /** The connection this topic is subscribed on; {@code null} when none. */
        final AtomicReference<WsConnection> subscribedOn = new AtomicReference<>();
        volatile String lastOffset;
        volatile boolean removed;
        int refs; // guarded by the map's compute
        /** Guarded by this, which every delivery of the topic holds (see onMessage). */
        final DeliveredOffsets delivered = new DeliveredOffsets();

        TopicState(String topic, int bufferSize) {
            this.topic = topic;
            this.sink = Sinks.many().multicast().onBackpressureBuffer(bufferSize, false);
        }
    }

    // ------------------------------------------------------------ connection loop

    private void connect() {
        if (closed.get()) {
            return;
        }
        // Every URL in order, the first that accepts wins.
        Mono<Integer> attempt = Flux.range(0, clients.size())
                .concatMap(i -> clients.get(i).connect()
                        .doOnNext(conn -> onConnected(conn, i))
                        .thenReturn(i)
                        .onErrorResume(e -> {
                            LOG.debug("topic client connect failed url={} error={}", url(i), e.toString());
                            return Mono.empty();
                        }), 0)
                .next();
        // The attempt's slot is pending before the attempt starts: an attempt that fails at once (or
        // on another thread before this one goes on) schedules the next one into pending, replacing
        // this slot, and must not have that next attempt cancelled by this slot being stored after it.
        Disposable.Swap slot = Disposables.swap();
        pending.update(slot);
        // Not "current is null" at completion: a connection lost that fast has already scheduled the next attempt.
        slot.update(attempt.hasElement().subscribe(connected -> {
            if (!connected) {
                scheduleReconnect("no hub answered");
            }
        }, e -> scheduleReconnect("connect failed: " + e)));
    }

    private String url(int i) {
        return options.clients().get(i).safeUrl();
    }

    private void onConnected(WsConnection conn, int urlIndex) {
        if (closed.get()) {
            conn.close(WsCloseStatus.NORMAL.code(), "client closed").subscribe(null, e -> { });
            return;
        }
        Link link = new Link(conn);
        current.set(link);
        // disposeLater() may have run since the check above and found no connection to close.
        if (closed.get() && current.compareAndSet(link, null)) {
            conn.close(WsCloseStatus.NORMAL.code(), "client closed").subscribe(null, e -> { });
            return;
        }
        currentUrl = url(urlIndex);
        LOG.info("topic client connected url={} conn={} after_failed_attempts={} topics={}", currentUrl, conn.id(),
                failedAttempts, topics.size());
        failedAttempts = 0;
        // Receive before subscribing: replayed messages come before the subscribed replies.
        link.tasks.add(conn.receive().subscribe(m -> onMessage(link, m), e -> { }));
        link.tasks.add(conn.onClose().subscribe(status -> lost(link,
                "closed code=" + status.code() + " reason=\"" + status.reason() + "\"", false)));
        if (!options.pingInterval().isZero()) {
            link.tasks.add(livenessChecks(link).subscribe(alive -> {
                if (!alive) {
                    lost(link, "no pong and no message within " + options.pingTimeout().toMillis() + " ms", true);
                }
            }, e -> { }));
        }
        for (TopicState s : topics.values()) {
            subscribeOn(s, conn);
        }
    }

    /**
     * Pings every pingInterval; emits false, then completes, when a ping got neither its pong nor
     * any message within pingTimeout (a message counts: a pong can wait behind a backlog of them).
     */
    private Flux<Boolean> livenessChecks(Link link) {
        Duration timeout = options.pingTimeout();
        Mono<Boolean> probe = Mono.defer(() -> {
                    link.heard = false;
                    return link.conn.ping().timeout(timeout, options.scheduler());
                })
                .thenReturn(true)
                .onErrorResume(TimeoutException.class, e -> Mono.fromSupplier(() -> link.heard))
                .onErrorReturn(false);
        return Mono.delay(options.pingInterval(), options.scheduler()).then(probe).repeat()
                .takeUntil(alive -> !alive);
    }

    /**
     * The link's connection is gone or taken for dead: ends its tasks and reconnects, once per
     * link. {@code close} closes a connection that may still look open (a silent partition): its
     * close frame may never be answered, so the socket goes after the client's closeTimeout, while
     * the reconnect does not wait for it.
     */
    private void lost(Link link, String why, boolean close) {
        if (close) {
            retiring.add(link.conn); // before the CAS, so that a disposeLater() that loses it sees the connection here
        }
        if (!current.compareAndSet(link, null)) {
            retiring.remove(link.conn);
            return;
        }
        link.tasks.dispose();
        currentUrl = null;
        for (TopicState s : topics.values()) {
            s.subscribedOn.compareAndSet(link.conn, null);
        }
        if (close) {
            LOG.warn("topic client connection silent conn={} why={}", link.conn.id(), why);
            link.conn.close(WsCloseStatus.HEARTBEAT_TIMEOUT.code(), why)
                    .doFinally(sig -> retiring.remove(link.conn))
                    .subscribe(null, e -> { });
        }
        scheduleReconnect(why);
    }

    private void scheduleReconnect(String why) {
        if (closed.get()) {
            return;
        }
        int n = failedAttempts++;
        Duration delay = backoff(n);
        LOG.warn("topic client disconnected why={} reconnect_in_ms={} attempt={}", why, delay.toMillis(), n + 1);
        // As in connect(): the timer's slot is pending before the timer starts. A timer that fires
        // before this thread stores it (a thread paused past the delay on a loaded machine) starts
        // an attempt that stores its own slot; storing the fired timer after it would cancel it.
        Disposable.Swap slot = Disposables.swap();
        pending.update(slot);
        slot.update(Mono.delay(delay, options.scheduler()).subscribe(t -> connect()));
    }

    /** The pool's connect backoff: first * 2^n up to max, spread by +/- jitter. */
    Duration backoff(int n) {
        long first = options.reconnectBackoffFirst().toNanos();
        long max = options.reconnectBackoffMax().toNanos();
        long base = n >= 30 ? max : Math.min(max, first << n);
        double j = options.reconnectBackoffJitter();
        double factor = 1 - j + 2 * j * ThreadLocalRandom.current().nextDouble();
        return Duration.ofNanos(Math.max(1, Math.min(max, (long) (base * factor))));
    }

    // ------------------------------------------------------------ topics

    private void onMessage(Link link, WsMessage m) {
        if (!link.heard) {
            link.heard = true;
        }
        // A link taken for dead no longer delivers: the next connection replays from lastOffset,
        // and a late message from the old one would be a duplicate, or overlap the new one's emits.
        if (current.get() != link) {
            return;
        }
        if (m.topic() == null || NOT_TOPIC_MESSAGES.contains(m.type())) {
            return;
        }
        TopicState s = topics.get(m.topic());
        if (s == null) {
            return;
        }
        // One delivery at a time per topic: the check against what was delivered and the emit
        // must not interleave, and a sink emitted to by two threads at once refuses one of them
        // (a late message of the old link can still be in here when the new link's first arrives).
        synchronized (s) {
            if (m.is(WsMessage.GAP)) {
                // The hub lost messages it cannot replay: the same as recovered:false, position included.
                JsonNode d = m.data();
                if (d != null && d.has("offset")) {
                    s.lastOffset = d.get("offset").asString();
                }
                LOG.info("topic client live gap topic={} resume_after={}", s.topic, s.lastOffset);
                emitGap(s.topic);
                return;
            }
            if (m.offset() != null && !admit(s, m)) {
                return;
            }
            Sinks.EmitResult r = s.sink.tryEmitNext(m);
            if (r == Sinks.EmitResult.FAIL_OVERFLOW) {
                long d = dropped.incrementAndGet();
                if ((d & (d - 1)) == 0) { // 1, 2, 4, 8…: a slow subscriber must not flood the log
                    LOG.warn("topic client dropped a message topic={} buffer={} dropped_total={}", m.topic(),
                            options.bufferSize(), d);
                }
            }
        }
    }

    /**
     * Whether {@code m} goes to the application: never an offset at or below one already
     * delivered in its epoch. A hub may send one again (a recovery replay overlapping what
     * came live, a late live copy of a replayed message): suppressed and counted. One that
     * was never delivered but comes after a later one is suppressed too, so the order holds,
     * and told as a gap. Under the topic's lock.
     */
    private boolean admit(TopicState s, WsMessage m) {
        DeliveredOffsets.Verdict v = s.delivered.admit(m.offset());
        if (v == DeliveredOffsets.Verdict.NEW) {
            s.lastOffset = m.offset();
            return true;
        }
        if (v == DeliveredOffsets.Verdict.DUPLICATE) {
            long n = duplicates.incrementAndGet();
            if ((n & (n - 1)) == 0) {
                LOG.warn("topic client suppressed a duplicate topic={} offset={} last_delivered={} duplicates_total={}",
                        s.topic, m.offset(), s.lastOffset, n);
            }
            return false;
        }
        long n = late.incrementAndGet();
        if ((n & (n - 1)) == 0) {
            LOG.warn("topic client suppressed a message older than one delivered topic={} offset={} last_delivered={} "
                    + "late_total={}; reported as a gap", s.topic, m.offset(), s.lastOffset, n);
        }
        emitGap(s.topic);
        return false;
    }

    /** Serialized: topics deliver on the threads of their connections, and a gap may come from any. */
    private void emitGap(String topic) {
        synchronized (gaps) {
            gaps.tryEmitNext(topic);
        }
    }

    private void subscribeOn(TopicState s, WsConnection conn) {
        // A retry, not a single CAS: the failed subscribe of a connection taken for dead resets
        // its entry to null at any moment, and must not make the new connection skip this topic.
        WsConnection prev;
        do {
            prev = s.subscribedOn.get();
            if (prev == conn) {
                return;
            }
        } while (!s.subscribedOn.compareAndSet(prev, conn));
        String since = s.lastOffset;
        WsMessage request = since == null ? WsMessage.subscribe(s.topic) : WsMessage.subscribe(s.topic, since);
        conn.request(request).subscribe(reply -> onSubscribeReply(s, since, reply), e -> {
            LOG.debug("topic client subscribe failed topic={} conn={} error={}", s.topic, conn.id(), e.toString());
            s.subscribedOn.compareAndSet(conn, null); // subscribed again on the next connection
        });
        if (s.removed) {
            unsubscribe(s);
        }
    }

    private void onSubscribeReply(TopicState s, String since, WsMessage reply) {
        if (reply.is(WsMessage.ERROR)) {
            LOG.warn("topic client subscribe refused topic={} error=\"{}\"", s.topic, reply.error());
            s.sink.tryEmitError(new WsException("hub refused subscribe to topic '" + s.topic + "': " + reply.error()));
            return;
        }
        JsonNode d = reply.data();
        if (since != null && d != null && d.has("recovered") && !d.get("recovered").asBoolean()) {
            // Resume from the hub's latest offset, or every later reconnect reports the same gap.
            synchronized (s) {
                if (d.has("offset") && since.equals(s.lastOffset)) {
                    s.lastOffset = d.get("offset").asString();
                }
            }
            LOG.info("topic client recovery gap topic={} since={}", s.topic, since);
            emitGap(s.topic);
        }
    }

    private void unsubscribe(TopicState s) {
        WsConnection c = s.subscribedOn.getAndSet(null);
        if (c != null && c.isActive()) {
            c.send(WsMessage.unsubscribe(s.topic)).subscribe(null, e -> { });
        }
    }

    @Override
    public Flux<WsMessage> subscribe(String topic) {
        TopicName.requireValid(topic);
        return Flux.defer(() -> {
            if (closed.get()) {
                return Flux.error(new IllegalStateException("topic client is closed"));
            }
            TopicState s = topics.compute(topic, (k, v) -> {
                TopicState state = v == null ? new TopicState(k, options.bufferSize()) : v;
                state.refs++;
                return state;
            });
            Link link = current.get();
            if (link != null) {
                subscribeOn(s, link.conn);
            }
            return s.sink.asFlux().doFinally(signal -> release(s));
        });
    }

    private void release(TopicState s) {
        boolean[] last = {false};
        topics.computeIfPresent(s.topic, (k, v) -> {
            if (v != s) {
                return v;
            }
            if (--v.refs > 0) {
                return v;
            }
            last[0] = true;
            return null;
        });
        if (last[0]) {
            s.removed = true;
            s.sink.tryEmitComplete();
            unsubscribe(s);
        }
    }

    @Override
    public Flux<String> gaps() {
        return gaps.asFlux();
    }

    @Override
    public boolean isConnected() {
        Link link = current.get();
        return link != null && link.conn.isActive();
    }

    @Override
    public String connectedUrl() {
        return currentUrl;
    }

    @Override
    public long droppedMessages() {
        return dropped.get();
    }

    @Override
    public long suppressedDuplicates() {
        return duplicates.get();
    }

    @Override
    public long suppressedLateMessages() {
        return late.get();
    }

    @Override
    public Mono<Void> disposeLater() {
        return Mono.defer(() -> {
            if (closed.compareAndSet(false, true)) {
                pending.dispose();
                Link link = current.getAndSet(null);
                if (link != null) {
                    link.tasks.dispose();
                }
                for (TopicState s : topics.values()) {
                    s.removed = true;
                    s.sink.tryEmitComplete();
                }
                topics.clear();
                synchronized (gaps) {
                    gaps.tryEmitComplete();
                }
                List<Mono<Void>> closing = new ArrayList<>();
                if (link != null) {
                    closing.add(link.conn.close(WsCloseStatus.NORMAL.code(), "client closed"));
                }
                for (WsConnection c : retiring) {
                    closing.add(c.onClose().then());
                }
                Mono.when(closing).onErrorResume(e -> Mono.empty()).doFinally(sig -> {
                    LOG.info("topic client closed");
                    done.tryEmitEmpty();
                }).subscribe();
            }
            return done.asMono();
        });
    }
}
