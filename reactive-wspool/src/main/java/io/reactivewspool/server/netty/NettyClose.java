package io.reactivewspool.server.netty;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.reactivewspool.server.WsTransport;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;

/**
 * The server's close of a WebSocket on a Reactor Netty {@link Connection}, for a
 * {@link WsTransport} on Reactor Netty: the Reactor Netty engine's, and the Spring module's over
 * WebFlux. The close frame is written from the connection's event loop, and the channel is closed
 * anyway a grace period later. On the loop, "still open" and "write the close frame" cannot be
 * separated by the channel closing, which would strand the frame's buffer (PARANOID leak detection
 * reports it when clients and the server close at the same moment); and the frame queues behind
 * unwritten data, so a client that stopped reading would otherwise hold the channel open forever.
 *
 * <pre>{@code
 * public Mono<Void> close(WsCloseStatus status) {
 *     return NettyClose.withGrace(connection, Duration.ofSeconds(3),
 *             () -> outbound.sendClose(status.code(), status.reason()));
 * }
 * }</pre>
 *
 * Stateless and thread-safe.
 */
public final class NettyClose {

    private NettyClose() {
    }

    /**
     * A cold {@code Mono} that, on the connection's event loop, completes at once when the channel
     * is no longer active (or, closed, no longer registered to an event loop), and otherwise schedules the channel's close {@code grace} later and
     * subscribes to {@code closeFrame()}, the write of this side's close frame.
     *
     * @param connection the WebSocket's connection
     * @param grace      how long the peer has to take the close frame and answer it
     * @param closeFrame writes the close frame; called on the event loop, at most once a subscription
     */
    public static Mono<Void> withGrace(Connection connection, Duration grace, Supplier<? extends Mono<Void>> closeFrame) {
        Channel channel = connection.channel();
        long graceMillis = grace.toMillis();
        Objects.requireNonNull(closeFrame, "closeFrame");
        EventLoop loop;
        try {
            loop = channel.eventLoop();
        } catch (IllegalStateException notRegistered) {
            // Netty 4.2 deregisters a closed channel: there is nothing left to close.
            return Mono.empty();
        }
        return Mono.defer(() -> {
            if (!channel.isActive()) {
                return Mono.<Void>empty();
            }
            // Never cancelled: that would take the scheduler's lock on the loop.
            loop.schedule(() -> {
                channel.close();
            }, graceMillis, TimeUnit.MILLISECONDS);
            return closeFrame.get();
        }).subscribeOn(Schedulers.fromExecutor(loop));
    }
}
