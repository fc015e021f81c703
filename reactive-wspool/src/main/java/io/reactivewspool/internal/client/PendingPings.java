package io.reactivewspool.internal.client;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.http.websocket.WebsocketOutbound;

/**
 * The pings a connection has sent and waits for: each carries an 8-byte sequence number that its
 * pong echoes, and completes with the round trip. Thread-safe.
 */
final class PendingPings {

    private record Pending(Sinks.One<Duration> sink, long startNanos) {
    }

    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();

    /** Sends a ping on {@code out} and completes with its round trip; fails at once when the connection has ended. */
    Mono<Duration> ping(WebsocketOutbound out, BooleanSupplier ended, Supplier<? extends Throwable> closedError) {
        long seq = ids.incrementAndGet();
        Sinks.One<Duration> sink = Sinks.one();
        pending.put(seq, new Pending(sink, System.nanoTime()));
        // failAll() may have run before the put: this ping would wait for ever
        if (ended.getAsBoolean()) {
            pending.remove(seq);
            return Mono.error(closedError.get());
        }
        return out.sendObject(Mono.fromCallable(() -> new PingWebSocketFrame(Unpooled.wrappedBuffer(payload(seq)))))
                .then()
                .then(sink.asMono())
                .doFinally(s -> pending.remove(seq));
    }

    /** A pong frame's payload: completes its ping, if it is one of ours. */
    void pong(ByteBuf content) {
        if (content.readableBytes() == 8) {
            Pending p = pending.remove(content.getLong(content.readerIndex()));
            if (p != null) {
                p.sink.tryEmitValue(Duration.ofNanos(System.nanoTime() - p.startNanos));
            }
        }
    }

    /** The connection is gone: every ping waiting fails. */
    void failAll(Supplier<? extends Throwable> error) {
        for (Long seq : pending.keySet()) {
            Pending p = pending.remove(seq);
            if (p != null) {
                p.sink.tryEmitError(error.get());
            }
        }
    }

    /** The ping frame's payload for {@code seq}, big-endian. */
    private static byte[] payload(long seq) {
        byte[] b = new byte[8];
        long v = seq;
        for (int i = 7; i >= 0; i--) {
            b[i] = (byte) v;
            v >>>= 8;
        }
        return b;
    }
}
