package io.reactivewspool.bench.chaos;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.reactivewspool.client.WsClient;
import io.reactivewspool.client.WsClientOptions;
import io.reactivewspool.client.WsConnection;
import io.reactivewspool.message.WsMessage;
import reactor.core.publisher.Mono;

/**
 * A publisher of the campaign on its own thread: one message at a time to a seeded random topic,
 * with an {@code id}, over one connection to a hub (through its own proxy routes, the hubs tried in
 * turn when the connection is lost), recording when each was sent and when its {@code published}
 * acknowledgement came back. Each message's data is {@code {"m": ID}}, so that subscribers can name
 * what they receive.
 *
 * <pre>{@code
 * ChaosPublisher p = new ChaosPublisher("pub1", urls, topics, 15, seed, publishes);
 * p.start(); ... p.stop();
 * }</pre>
 */
final class ChaosPublisher {

    private final String name;
    private final List<String> urls;
    private final List<String> topics;
    private final long pauseNanos;
    private final Random random;
    private final Map<String, ChaosChecker.Publish> publishes;
    private final Thread thread;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile boolean running = true;
    private volatile String lastError = "";
    private long seq;
    private int urlIndex;
    private String currentUrl;

    ChaosPublisher(String name, List<String> urls, List<String> topics, int perSecond, long seed,
                   Map<String, ChaosChecker.Publish> publishes) {
        this.name = name;
        this.urls = List.copyOf(urls);
        this.topics = List.copyOf(topics);
        this.pauseNanos = TimeUnit.SECONDS.toNanos(1) / perSecond;
        this.random = new Random(seed);
        this.publishes = publishes;
        this.thread = new Thread(this::run, "chaos-" + name);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Stops after the message in flight (its acknowledgement waited for) and waits for the thread. */
    void stop() throws InterruptedException {
        running = false;
        thread.join(TimeUnit.SECONDS.toMillis(60));
    }

    long sent() {
        return sent.get();
    }

    long acked() {
        return acked.get();
    }

    /** Publishes that got no acknowledgement (timeout, closed connection, no hub). */
    long failed() {
        return failed.get();
    }

    String lastError() {
        return lastError;
    }

    /** Publishes one message to {@code topic} now, over a new connection; whether it was acknowledged. For probes. */
    static boolean publishOnce(String id, String topic, List<String> urls, Map<String, ChaosChecker.Publish> publishes) {
        for (String url : urls) {
            WsConnection conn = null;
            try {
                conn = WsClient.create(clientOptions(url)).connect().block(Duration.ofSeconds(15));
                if (conn == null) {
                    continue;
                }
                if (send(conn, url, id, topic, publishes)) {
                    return true;
                }
            } catch (RuntimeException e) {
                // the next hub
            } finally {
                if (conn != null) {
                    conn.close(1000, "probe sent").onErrorResume(e -> Mono.empty()).subscribe();
                }
            }
        }
        return false;
    }

    private static WsClientOptions clientOptions(String url) {
        return WsClientOptions.builder(url).connectTimeout(Duration.ofSeconds(5)).handshakeTimeout(Duration.ofSeconds(10))
                .requestTimeout(Duration.ofSeconds(10)).closeTimeout(Duration.ofSeconds(2)).build();
    }

    private static boolean send(WsConnection conn, String via, String id, String topic, Map<String, ChaosChecker.Publish> publishes) {
        long sentAt = System.nanoTime();
        publishes.put(id, new ChaosChecker.Publish(id, topic, via, sentAt, -1));
        WsMessage reply = conn.request(WsMessage.publish(topic, Map.of("m", id)).withId(id), Duration.ofSeconds(10))
                .block(Duration.ofSeconds(20));
        if (reply != null && reply.is(WsMessage.PUBLISHED)) {
            publishes.put(id, new ChaosChecker.Publish(id, topic, via, sentAt, System.nanoTime()));
            return true;
        }
        throw new IllegalStateException("publish " + id + " answered " + reply);
    }

    private void run() {
        WsConnection conn = null;
        long next = System.nanoTime();
        while (running) {
            try {
                if (conn == null || !conn.isActive()) {
                    if (conn != null) {
                        conn.close(1000, "reconnecting").onErrorResume(e -> Mono.empty()).subscribe();
                    }
                    conn = null;
                    String url = urls.get(urlIndex++ % urls.size());
                    conn = WsClient.create(clientOptions(url)).connect().block(Duration.ofSeconds(20));
                    currentUrl = url;
                }
                String id = name + "-" + (++seq);
                String topic = topics.get(random.nextInt(topics.size()));
                sent.incrementAndGet();
                if (send(conn, currentUrl, id, topic, publishes)) {
                    acked.incrementAndGet();
                }
            } catch (RuntimeException e) {
                failed.incrementAndGet();
                lastError = e.toString();
                // A publish that timed out may be on a dead path the client cannot see: a new connection.
                if (conn != null) {
                    conn.close(1000, "publish failed").onErrorResume(x -> Mono.empty()).subscribe();
                    conn = null;
                }
                pause(200_000_000L);
            }
            next += pauseNanos;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                pause(wait);
            } else {
                next = System.nanoTime();
            }
        }
        if (conn != null) {
            conn.close(1000, "done").onErrorResume(e -> Mono.empty()).block(Duration.ofSeconds(5));
        }
    }

    private static void pause(long nanos) {
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
