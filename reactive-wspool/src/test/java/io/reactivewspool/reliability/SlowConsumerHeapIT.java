package io.reactivewspool.reliability;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.reactivewspool.client.WsClient;
import io.reactivewspool.client.WsClientOptions;
import io.reactivewspool.client.WsConnection;
import io.reactivewspool.message.WsCloseStatus;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.ConnectionInfo;
import io.reactivewspool.server.ConnectionState;
import io.reactivewspool.server.OverflowPolicy;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.server.netty.WsServerOptions;
import io.reactivewspool.test.HubFixture;
import io.reactivewspool.test.LeakRecorder;
import io.reactivewspool.test.LiveHeap;
import io.reactivewspool.test.RawSocketClient;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Clients that stop reading, among many that read, while a publisher broadcasts as fast as the
 * readers take it: the readers lose nothing, the stalled ones meet the overflow policy, and what
 * the server holds for the stalled ones (the hub's queue, Netty's outbound buffer, the heap) stays
 * within a bound set by the options, however many messages are published.
 *
 * <p>The publisher sends in bursts of {@link #BURST} (less than the queue) and waits until every
 * reader has the burst: the hub has no publisher back-pressure, so an unpaced publisher on two
 * cores would make fast readers overflow too, which is the policy working, not a loss.
 * {@link SlowConsumerIT} covers one stalled client with one reader; this is the same at scale
 * with the memory accounted for.
 */
class SlowConsumerHeapIT {

    private static final int SLOW = 10;
    private static final int QUEUE = 256;
    private static final int MESSAGES = 1000;
    private static final int BURST = 100;
    private static final int PAYLOAD_CHARS = 256;
    /**
     * Frames the Netty transport's writer requests ahead of what it has written: it takes frames
     * from the hub's queue only while the channel is writable (under the write buffer's high water
     * mark), so a socket that takes nothing holds at most the high water mark plus this many
     * frames in Netty.
     */
    private static final int WRITER_BATCH = 64;
    /** What Netty counts per pending write besides the bytes ({@code io.netty.transport.outboundBufferEntrySizeOverhead}). */
    private static final int NETTY_ENTRY_OVERHEAD = 96;
    /** The server's kernel send buffer per connection (Linux doubles it): small, so that stalled sockets fill at once. */
    private static final int SERVER_SNDBUF = 16 * 1024;
    /** What the live heap may gain besides the stalled connections' frames (GC and JIT noise, counters, log limiters). */
    private static final long HEAP_SLACK = 16 * LiveHeap.MIB;

    private static final String PAYLOAD = "p".repeat(PAYLOAD_CHARS);

    @Test
    void dropOldestReadersGetEverythingStalledOnesDropAndServerMemoryStaysBounded() throws Exception {
        int fast = 1000;
        Set<Channel> serverChannels = ConcurrentHashMap.newKeySet();
        try (HubFixture f = start(OverflowPolicy.DROP_OLDEST, serverChannels)) {
            List<SequenceReader> readers = connectReaders(f, fast);
            List<RawSocketClient> stalled = connectStalled(f);
            await().atMost(Duration.ofSeconds(10)).until(() -> subscribers(f) == fast + SLOW);
            int frameBytes = frameBytes();
            long queueBound = (long) QUEUE * frameBytes;
            long highWater = serverChannels.iterator().next().config().getWriteBufferHighWaterMark();
            long nettyBound = SLOW * (highWater + (long) WRITER_BATCH * (frameBytes + NETTY_ENTRY_OVERHEAD));
            long heapBound = SLOW * ((long) (QUEUE + WRITER_BATCH) * frameBytes + highWater) + HEAP_SLACK;
            long baseline = LiveHeap.bytes();
            long publishStart = System.nanoTime();
            long maxHeap = 0;
            long maxPending = 0;
            long maxQueued = 0;

            for (int sent = 0; sent < MESSAGES; ) {
                sent = publishBurst(f, sent, fast + SLOW);
                awaitAllRead(readers, sent);
                if (sent % (5 * BURST) == 0) {
                    maxPending = Math.max(maxPending, pendingNettyBytes(serverChannels));
                    maxQueued = Math.max(maxQueued, stalledQueuedBytes(f));
                    maxHeap = Math.max(maxHeap, LiveHeap.bytes() - baseline);
                }
            }

            for (SequenceReader r : readers) {
                r.assertReceivedInOrder(MESSAGES);
            }
            List<ConnectionInfo> slow = f.hub().admin().connections(null, "feed").stream().filter(i -> i.dropped() > 0).toList();
            assertThat(slow).as("stalled connections that dropped").hasSize(SLOW).allSatisfy(i -> {
                assertThat(i.state()).isEqualTo(ConnectionState.OPEN);
                assertThat(i.queuedMessages()).isLessThanOrEqualTo(QUEUE);
                assertThat(i.queuedBytes()).isLessThanOrEqualTo(queueBound);
            });
            long dropped = slow.stream().mapToLong(ConnectionInfo::dropped).sum();
            // Only the stalled ones dropped, and every drop is counted.
            assertThat(f.hub().admin().stats().messagesDropped()).isEqualTo(dropped);
            assertThat(maxQueued).isLessThanOrEqualTo(SLOW * queueBound);
            assertThat(maxPending).as("bytes in Netty's outbound buffers of all server channels").isLessThanOrEqualTo(nettyBound);
            assertThat(maxHeap).as("live heap growth over the baseline").isLessThanOrEqualTo(heapBound);
            System.out.printf("SlowConsumerHeapIT drop_oldest fast=%d slow=%d messages=%d frame_bytes=%d queue=%d dropped=%d"
                            + " max_hub_queued_kib=%d max_netty_pending_kib=%d (bound %d) heap_baseline_mib=%s max_heap_growth_mib=%s (bound %s)"
                            + " direct_mib=%s publish_and_read_ms=%d%n", fast, SLOW, MESSAGES, frameBytes, QUEUE, dropped, maxQueued / 1024,
                    maxPending / 1024, nettyBound / 1024, LiveHeap.mib(baseline), LiveHeap.mib(maxHeap), LiveHeap.mib(heapBound), directMib(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - publishStart));
            stalled.forEach(RawSocketClient::abort);
            closeAll(readers);
        }
        assertThat(LeakRecorder.collectLeaks()).isEmpty();
    }

    @Test
    void disconnectClosesEveryStalledClientWith4001WhileReadersGetEverything() throws Exception {
        int fast = 100;
        Set<Channel> serverChannels = ConcurrentHashMap.newKeySet();
        try (HubFixture f = start(OverflowPolicy.DISCONNECT, serverChannels)) {
            List<SequenceReader> readers = connectReaders(f, fast);
            List<RawSocketClient> stalled = connectStalled(f);
            await().atMost(Duration.ofSeconds(10)).until(() -> subscribers(f) == fast + SLOW);
            ExecutorService pool = Executors.newFixedThreadPool(SLOW);
            try {
                List<Future<Integer>> codes = new ArrayList<>();
                for (int i = 0; i < MESSAGES; i++) {
                    f.hub().broadcast("feed", "n", Map.of("i", i, "p", PAYLOAD));
                    if (codes.isEmpty() && open(f) == fast) {
                        // Every stalled client overflowed and its close is on its way: they start
                        // reading now, as clients that resume would (one that resumed earlier would
                        // simply no longer be slow). The close frame waits behind what the socket
                        // buffers hold, and the transport drops the socket 3 s after the close
                        // whether or not the frame got through.
                        for (RawSocketClient s : stalled) {
                            codes.add(pool.submit(s::readUntilCloseCode));
                        }
                    }
                    if ((i + 1) % BURST == 0) {
                        awaitAllRead(readers, i + 1);
                    }
                }
                for (SequenceReader r : readers) {
                    r.assertReceivedInOrder(MESSAGES);
                }
                assertThat(codes).as("stalled clients reached the overflow").hasSize(SLOW);
                for (Future<Integer> code : codes) {
                    assertThat(code.get(15, TimeUnit.SECONDS)).isEqualTo(WsCloseStatus.SLOW_CONSUMER.code());
                }
            } finally {
                pool.shutdownNow();
            }
            // The hub takes a closed connection out of its registry before out of its topics: await both.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(f.hub().admin().stats().activeConnections()).isEqualTo(fast);
                assertThat(f.hub().admin().stats().topicSubscribers()).containsEntry("feed", fast);
            });
            assertThat(f.hub().admin().stats().messagesDropped()).isGreaterThanOrEqualTo(SLOW);
            await().atMost(Duration.ofSeconds(10)).until(() -> pendingNettyBytes(serverChannels) == 0);
            closeAll(readers);
        }
        assertThat(LeakRecorder.collectLeaks()).isEmpty();
    }

    /** Connections still OPEN: the readers once every stalled client has been closed. */
    private static int open(HubFixture f) {
        return f.hub().admin().stats().connectionStates().getOrDefault(ConnectionState.OPEN, 0);
    }

    private static HubFixture start(OverflowPolicy policy, Set<Channel> serverChannels) {
        return HubFixture.start(WsHubOptions.builder().outboundQueueSize(QUEUE).overflowPolicy(policy)
                        .maxConnectionsPerTopic(2000).build(),
                WsServerOptions.builder().host("127.0.0.1").port(0)
                        .customizer(s -> s.childOption(ChannelOption.SO_SNDBUF, SERVER_SNDBUF)
                                .doOnConnection(c -> serverChannels.add(c.channel())))
                        .build());
    }

    /** Broadcasts the next burst; checks each reached {@code expectedReach} connections (-1: not checked). */
    private static int publishBurst(HubFixture f, int from, int expectedReach) {
        for (int i = from; i < from + BURST; i++) {
            int reached = f.hub().broadcast("feed", "n", Map.of("i", i, "p", PAYLOAD));
            if (expectedReach >= 0) {
                assertThat(reached).isEqualTo(expectedReach);
            }
        }
        return from + BURST;
    }

    /** Generous: a burst is 100,000 deliveries, and a loaded CI machine took more than 20 s for one. */
    private static void awaitAllRead(List<SequenceReader> readers, int count) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5)).untilAsserted(() -> {
            List<String> behind = new ArrayList<>();
            for (SequenceReader r : readers) {
                r.assertAlive();
                if (r.received.get() < count && behind.size() < 5) {
                    behind.add(r.received.get() + " read, " + r.connection.droppedMessages() + " dropped by the client");
                }
            }
            assertThat(behind).as("readers short of %d messages (the first 5)", count).isEmpty();
        });
    }

    /** One published frame on the wire: the encoded message (with its timestamp) and a 4-byte frame header. */
    private static int frameBytes() {
        WsMessage m = WsMessage.of("n", "feed", Map.of("i", MESSAGES, "p", PAYLOAD)).withTimestamp(Instant.now());
        return WsCodec.json().encode(m).length + 4;
    }

    private static int subscribers(HubFixture f) {
        return f.hub().admin().stats().topicSubscribers().getOrDefault("feed", 0);
    }

    private static long stalledQueuedBytes(HubFixture f) {
        return f.hub().admin().connections(null, "feed").stream().mapToLong(ConnectionInfo::queuedBytes).sum();
    }

    private static long pendingNettyBytes(Set<Channel> channels) {
        long sum = 0;
        for (Channel ch : channels) {
            ChannelOutboundBuffer b = ch.unsafe().outboundBuffer();
            if (b != null) {
                sum += b.totalPendingWriteBytes();
            }
        }
        return sum;
    }

    private static String directMib() {
        return ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider p
                ? LiveHeap.mib(p.metric().usedDirectMemory()) : "n/a";
    }

    private static List<RawSocketClient> connectStalled(HubFixture f) {
        List<RawSocketClient> stalled = new ArrayList<>();
        for (int i = 0; i < SLOW; i++) {
            // Upgrades and subscribes, then never reads: its 4 KiB receive window fills at once.
            RawSocketClient s = RawSocketClient.connect(f.wsUrl(), 4096);
            s.sendText(WsMessage.subscribe("feed"));
            stalled.add(s);
        }
        return stalled;
    }

    private static List<SequenceReader> connectReaders(HubFixture f, int n) {
        WsClient client = WsClient.create(WsClientOptions.builder(f.wsUrl()).requestTimeout(Duration.ofSeconds(20)).build());
        return Flux.range(0, n)
                .flatMap(i -> client.connect().flatMap(c -> {
                    SequenceReader r = new SequenceReader(c);
                    return c.request(WsMessage.subscribe("feed")).thenReturn(r);
                }), 32)
                .collectList()
                .block(Duration.ofSeconds(60));
    }

    private static void closeAll(List<SequenceReader> readers) {
        Flux.fromIterable(readers).flatMap(r -> r.connection.close(WsCloseStatus.NORMAL), 64).then().block(Duration.ofSeconds(30));
    }

    /** A reader through the library's own client that checks the sequence numbers it receives. */
    private static final class SequenceReader {
        final WsConnection connection;
        final AtomicLong received = new AtomicLong();
        final AtomicReference<String> problem = new AtomicReference<>();
        // Messages of one connection arrive one at a time on its event loop.
        private long next;

        SequenceReader(WsConnection connection) {
            this.connection = connection;
            connection.receive().filter(m -> m.is("n")).subscribe(m -> {
                long i = m.data().get("i").asLong();
                if (i != next) {
                    problem.compareAndSet(null, "expected " + next + " got " + i);
                }
                next = i + 1;
                received.incrementAndGet();
            });
        }

        /** Fails at once when the reader's connection ended, instead of waiting for messages that cannot come. */
        void assertAlive() {
            if (!connection.isActive()) {
                // Only here: each toFuture() stays subscribed to the close signal until it fires.
                throw new AssertionError("reader " + connection.id() + " lost its connection after " + received.get()
                        + " messages: " + connection.onClose().toFuture().getNow(null));
            }
        }

        void assertReceivedInOrder(int count) {
            assertThat(problem.get()).as("gap or reorder on " + connection.id()).isNull();
            assertThat(received.get()).isEqualTo(count);
        }
    }
}
