package io.reactivewspool.client;

import java.util.Objects;

import io.reactivewspool.internal.client.DefaultWsTopicClient;
import io.reactivewspool.message.WsMessage;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Topic subscriptions to a hub that survive reconnects: one WebSocket connection shared by every
 * subscription, to the first of several hub URLs that answers.
 *
 * <ul>
 * <li>When the connection is lost the client reconnects with jittered exponential backoff
 * ({@link WsTopicClientOptions#reconnectBackoffFirst()} doubling up to
 * {@link WsTopicClientOptions#reconnectBackoffMax()}), trying the URLs in order, and subscribes
 * every active topic again with {@code data.since} = the last offset it saw, so that a hub with
 * topic history replays what was published meanwhile (docs/PROTOCOL.md, "Recovery").</li>
 * <li>When the hub cannot replay everything ({@code subscribed} with {@code recovered: false}:
 * beyond the history, another hub's history, no history), the topic's name is emitted on
 * {@link #gaps()}: the application should reload that topic's state. The subscription itself
 * goes on with live messages.</li>
 * <li>A connection that falls silent (a frozen network path: no close, no error) is found by a
 * WebSocket ping every {@link WsTopicClientOptions#pingInterval()} that gets neither its pong nor
 * any message within {@link WsTopicClientOptions#pingTimeout()}; it is closed and replaced as
 * above, so a dead path is found within {@code pingInterval + pingTimeout}.</li>
 * <li>A topic's messages reach the application at most once and in offset order: a message at or
 * below an offset already delivered in its epoch (a replay overlapping live delivery, a late live
 * copy) is suppressed and counted ({@link #suppressedDuplicates()}); one that was never delivered
 * but arrives after a later one is suppressed, counted ({@link #suppressedLateMessages()}) and
 * reported on {@link #gaps()}.</li>
 * <li>Cancelling the last subscriber of a topic sends {@code unsubscribe}.</li>
 * </ul>
 *
 * <pre>{@code
 * WsTopicClient client = WsTopicClient.create(WsTopicClientOptions.builder("ws://hub-1/ws", "ws://hub-2/ws").build());
 * client.gaps().subscribe(topic -> reloadSnapshot(topic));
 * client.subscribe("prices").subscribe(m -> apply(m.data()));
 * ...
 * client.disposeLater().block();
 * }</pre>
 *
 * <p>Thread-safe. {@link #subscribe} and {@link #gaps()} are cold until subscribed; the connection
 * opens when the client is created. A subscriber that does not keep up loses the messages beyond
 * {@link WsTopicClientOptions#bufferSize()} (counted in {@link #droppedMessages()}).
 */
public interface WsTopicClient {

    /** A client with the given options; starts connecting at once. */
    static WsTopicClient create(WsTopicClientOptions options) {
        return new DefaultWsTopicClient(Objects.requireNonNull(options, "options"));
    }

    /**
     * The messages of {@code topic} (type {@code data} or an application type, each with its
     * {@code offset} when the hub keeps history). Never completes on a reconnect; completes when
     * the client is closed. The first subscriber of a topic makes the client subscribe to it;
     * cancelling the last one unsubscribes.
     */
    Flux<WsMessage> subscribe(String topic);

    /**
     * Topics whose messages could not all be replayed after a reconnect (hot; only subscribers
     * present at the time see a gap). Completes when the client is closed.
     */
    Flux<String> gaps();

    /** Whether the shared connection is open now. */
    boolean isConnected();

    /** The URL of the hub the client is connected to now, or {@code null} while disconnected. */
    String connectedUrl();

    /** Messages dropped because a topic's subscribers did not keep up. */
    long droppedMessages();

    /**
     * Messages not delivered because their offset had been delivered already (the hub sent them
     * again: a recovery replay overlapping live delivery, or a late copy).
     */
    long suppressedDuplicates();

    /**
     * Messages not delivered because a later offset of their topic had been delivered before they
     * came (delivering them would break the order); each was reported on {@link #gaps()}.
     */
    long suppressedLateMessages();

    /** Closes the connection with 1000 and completes every topic stream; completes when closed. Idempotent. */
    Mono<Void> disposeLater();

    /** As {@link #disposeLater()}, without waiting. */
    default void close() {
        disposeLater().subscribe();
    }
}
