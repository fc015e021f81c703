package io.reactivewspool.internal.server;

import io.reactivewspool.internal.LogLimiter;
import io.reactivewspool.message.WsCloseStatus;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.OutboundFrame;
import io.reactivewspool.server.WsHubOptions;
import reactor.core.scheduler.Scheduler;

/**
 * What a {@link HubConnection}, its {@link TransportPump} and the {@link ProtocolDispatcher} need of
 * the hub, and nothing else of it: the options, the totals, the clock, encoding a reply, and the
 * hub's answer to a full queue and to a finished transport.
 */
interface ConnectionHost {

    WsHubOptions options();

    HubCounters counters();

    /** The rate limit of the hub's error and warning lines. */
    LogLimiter errorLog();

    /** The hub's clock, in milliseconds. */
    long nowMillis();

    /** The hub's timer scheduler, for per-connection deadlines (credentials expiry). */
    Scheduler timerScheduler();

    /** Encodes a message in the hub's codec, stamped with the time when it has none. */
    OutboundFrame frameOf(WsMessage message);

    /** Encodes a message for one connection in its codec, stamped with the time when it has none. */
    OutboundFrame frameOf(WsMessage message, WsCodec codec);

    /** Counts and logs a frame the connection's queue dropped. */
    void onDropped(HubConnection c);

    /** Closes a connection whose queue overflowed under {@code CLOSE}. */
    void onSlowConsumer(HubConnection c);

    /**
     * Removes a connection from the hub; {@code false} when it already was. A connection the hub
     * had not closed (its inbound failed, its serve was cancelled) has its transport closed with
     * {@code ifOpen}, so one the hub lets go never stays open; {@code null}: the transport ended
     * by itself (its inbound completed).
     */
    boolean unregister(HubConnection c, String why, WsCloseStatus ifOpen);
}
