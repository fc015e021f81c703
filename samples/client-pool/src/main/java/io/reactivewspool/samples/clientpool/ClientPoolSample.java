package io.reactivewspool.samples.clientpool;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.reactivewspool.client.WsClientPool;
import io.reactivewspool.client.WsClientPoolOptions;
import io.reactivewspool.message.WsMessage;
import reactor.core.publisher.Flux;

/**
 * Pools WebSocket connections to a reply service and runs many concurrent requests over them.
 *
 * <pre>
 * mvn -q -pl samples/client-pool -am package -DskipTests
 * mvn -q -pl samples/client-pool exec:java                                  # against a built-in reply server
 * mvn -q -pl samples/client-pool exec:java -Dexec.args="ws://host:port/ws 10000 256"
 * </pre>
 *
 * The service must answer every message that has an {@code id} with a message carrying the
 * same {@code id} (a reactive-wspool hub does for {@code ping}, {@code subscribe} and its
 * application handlers; {@link LocalReplyServer} does for everything).
 */
public final class ClientPoolSample {

    private ClientPoolSample() {
    }

    // --- the core, as shown in the README and docs/CLIENT.md ---
    /** Sends {@code requests} requests, {@code concurrency} at a time, through a pool; returns the replies. */
    public static List<WsMessage> run(String url, int requests, int concurrency) {
        WsClientPool pool = WsClientPool.create(WsClientPoolOptions.builder(url)
                .name("sample")
                .minConnections(2)
                .maxConnections(8)
                .acquireTimeout(Duration.ofSeconds(5))
                .healthCheckPeriod(Duration.ofSeconds(15))
                .build());
        try {
            return Flux.range(0, requests)
                    .flatMap(i -> pool.request(WsMessage.of("echo", null, Map.of("n", i))), concurrency)
                    .collectList()
                    .block(Duration.ofMinutes(2));
        } finally {
            pool.disposeLater().block(Duration.ofSeconds(10));
        }
    }
    // --- end of the core ---

    public static void main(String[] args) {
        int requests = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        int concurrency = args.length > 2 ? Integer.parseInt(args[2]) : 256;
        LocalReplyServer local = args.length > 0 ? null : LocalReplyServer.start();
        String url = args.length > 0 ? args[0] : local.url();
        try {
            long start = System.nanoTime();
            List<WsMessage> replies = run(url, requests, concurrency);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("%d replies from %s with %d concurrent callers in %.2f s (%.0f req/s)%n",
                    replies.size(), url, concurrency, seconds, replies.size() / seconds);
        } finally {
            if (local != null) {
                local.stop();
            }
        }
    }
}
