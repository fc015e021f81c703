package io.reactivewspool.internal.netty;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executor;

import io.netty.channel.Channel;
import io.reactivewspool.server.WsTransport;

/**
 * A {@link WsTransport} on one Netty channel, what both engines' transports have in common: the
 * channel's event loop is the connection's executor, and a close this side starts waits the same
 * grace period for the peer's answer before the channel closes anyway.
 */
interface ChannelTransport extends WsTransport {

    /** How long a close this side sent waits for the peer's close frame. */
    Duration CLOSE_GRACE = Duration.ofSeconds(3);

    /** The channel this connection runs on. */
    Channel channel();

    @Override
    default Optional<Executor> executor() {
        return Optional.of(channel().eventLoop());
    }
}
