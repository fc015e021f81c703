package io.reactivewspool.server;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;

import io.reactivewspool.internal.server.DefaultWsHub;
import io.reactivewspool.message.WsMessage;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Holds many WebSocket connections, lets them subscribe to topics and broadcasts to them,
 * speaking the protocol of {@code docs/PROTOCOL.md}. Transport-agnostic: a transport (the Reactor
 * Netty {@code WsServer}, a Spring WebFlux adapter) asks {@link #admit(HandshakeInfo)} before the
 * upgrade and hands each accepted connection to {@link #serve(WsTransport, Admission)}.
 *
 * <pre>{@code
 * WsHub hub = WsHub.create(WsHubOptions.builder()
 *         .authenticator(Authenticator.tokens(Map.of("ALICE_TOKEN", "alice")))
 *         .build());
 * WsServer server = WsServer.create(hub, WsServerOptions.builder().port(8080).build()).bindNow();
 * hub.publish("announcements", "system_announcement", Map.of("message", "hello"))
 *    .subscribe(r -> System.out.println("reached " + r.localRecipients() + " local connections"));
 * hub.topic("prices").map(WsMessage::data).subscribe(System.out::println);
 * }</pre>
 *
 * <p>Every broadcast is encoded ONCE; all recipients' frames share those bytes. Each connection has
 * its own bounded outbound queue with an {@link OverflowPolicy}, so a slow client never slows the
 * others. Heartbeat and cleanup run as timed pipelines on the hub's scheduler, started by
 * {@link #create} and stopped by {@link #close()}.
 *
 * <p>Thread-safe. Sending methods are non-blocking and may be called from any thread, event loops
 * included. The {@code broadcast}/{@code sendToUser} methods are fire and forget: they return the
 * number of LOCAL connections reached (a broker carries the message to other nodes) and only log a
 * broker failure; the {@code publish} methods return a {@code Mono<PublishResult>} that completes
 * once the broker accepted the message, or fails with a {@link WsPublishException}.
 * The {@code …Connection} methods act on one connection wherever it lives in the cluster and answer
 * with a {@link ConnectionOutcome} saying where and what happened.
 */
public interface WsHub {

    /** A hub with the default options, started. */
    static WsHub create() {
        return create(WsHubOptions.defaults());
    }

    /** A hub with the given options, started (its timers run until {@link #close()}). */
    static WsHub create(WsHubOptions options) {
        return new DefaultWsHub(options);
    }

    /** The options the hub was created with. */
    WsHubOptions options();

    /**
     * Decides on an upgrade request before the transport upgrades: origin (403), authentication
     * (401) and shutdown (503). The transport answers a refusal with a plain HTTP response and
     * allocates nothing. Cold; never errors.
     */
    Mono<Admission> admit(HandshakeInfo handshake);

    /**
     * Serves one upgraded connection: registers it (or closes it with 1013 when the connection
     * limit is reached), sends {@code welcome}, dispatches its messages and delivers its outbound
     * queue. Completes when the connection is closed and removed from the registry.
     *
     * @param admission an accepted {@link Admission} from {@link #admit}
     */
    Mono<Void> serve(WsTransport transport, Admission admission);

    /**
     * Like {@link #serve(WsTransport, Admission)}, and subscribes the connection to
     * {@code topics} right after its {@code welcome} (an endpoint that pushes fixed topics); a
     * topic the policy or a limit refuses is answered with an {@code error} message, as a client's
     * own {@code subscribe} would be.
     */
    Mono<Void> serve(WsTransport transport, Admission admission, Set<String> topics);

    // ---------------------------------------------------------------- publishing with an outcome

    /** Messages {@link #publishAll(String, String, Publisher)} keeps on their way at once: {@value}. */
    int DEFAULT_MAX_IN_FLIGHT = 256;

    /**
     * Publishes {@code data} as a message of {@code type} to a topic's subscribers on every node,
     * and tells how it went: the returned {@code Mono} emits once the broker has accepted the
     * message (with a history, once it was stored first), with the connections reached on this
     * node and the message's {@link PublishResult#offset() offset}, the one its subscribers receive.
     * It fails with a {@link WsPublishException} when the broker could not take it
     * ({@link WsPublishException.Reason#BROKER_UNAVAILABLE BROKER_UNAVAILABLE}: down, timed out;
     * the Redis broker bounds each publish by its {@code commandTimeout}) or the history could not
     * store it ({@link WsPublishException.Reason#NOT_STORED NOT_STORED},
     * {@link WsPublishException.Reason#HISTORY_BACKLOG HISTORY_BACKLOG}; then nobody got it).
     *
     * <pre>{@code
     * orders.save(order)
     *       .flatMap(o -> hub.publish("orders", "order_created", o))
     *       .doOnNext(r -> log.info("offset={} local={}", r.offset(), r.localRecipients()));
     * }</pre>
     *
     * <p>Cold: each subscription publishes once. Cancelling does not withdraw a message already
     * handed to the hub; it only stops listening for the outcome.
     *
     * @throws IllegalArgumentException when the topic name is invalid
     */
    Mono<PublishResult> publish(String topic, String type, Object data);

    /**
     * As {@link #publish(String, String, Object)}, to the subscribers of several topics on every
     * node; a connection subscribed to more than one of them receives it once. Never stored in the
     * history, so the result has no offset.
     *
     * @throws IllegalArgumentException when {@code topics} is empty or holds an invalid name
     */
    Mono<PublishResult> publish(Set<String> topics, String type, Object data);

    /**
     * As {@link #publish(String, String, Object)}, to every connection of a user on every node (the
     * id matched exactly); no offset.
     */
    Mono<PublishResult> publishToUser(String userId, String type, Object data);

    /**
     * Publishes on behalf of a connection, as its own {@code publish} message would: the
     * {@link WsHubOptions#topicPolicy() topic policy} decides
     * ({@link TopicPolicy#canPublish(WsConnectionView, String)}) and the sender does not receive
     * it. A refusal fails with {@link WsPublishException.Reason#FORBIDDEN FORBIDDEN} and reaches
     * nobody; otherwise as {@link #publish(String, String, Object)}.
     *
     * <pre>{@code
     * handlers.put("chat", ctx -> ctx.hub().publishAs(ctx.connection(), "chat." + room, "chat", ctx.message().data())
     *         .map(r -> WsMessage.of("sent", null, Map.of("offset", r.offset()))));
     * }</pre>
     */
    Mono<PublishResult> publishAs(WsConnectionView sender, String topic, String type, Object data);

    /**
     * Publishes every element of {@code data} as a message of {@code type} to a topic, at the
     * broker's pace: at most {@link #DEFAULT_MAX_IN_FLIGHT} messages are waiting for their outcome
     * at once, and {@code data} is asked for more only as outcomes come back (never an unbounded
     * buffer). Emits the outcomes in {@code data}'s order (with a history, with increasing offsets).
     * The first failure ends it with that {@link WsPublishException} and stops publishing; the
     * messages still in flight then may or may not have gone out. Cancelling stops publishing.
     *
     * <pre>{@code
     * hub.publishAll("prices", "tick", priceFeed)          // Flux<Tick>
     *    .subscribe(r -> lastOffset.set(r.offset()));
     * }</pre>
     */
    default Flux<PublishResult> publishAll(String topic, String type, Publisher<?> data) {
        return publishAll(topic, type, data, DEFAULT_MAX_IN_FLIGHT);
    }

    /**
     * As {@link #publishAll(String, String, Publisher)}, with at most {@code maxInFlight} messages
     * waiting for their outcome at once.
     *
     * @throws IllegalArgumentException when {@code maxInFlight < 1} or the topic name is invalid
     */
    Flux<PublishResult> publishAll(String topic, String type, Publisher<?> data, int maxInFlight);

    // ---------------------------------------------------------------- fire and forget

    /**
     * Broadcasts {@code data} as a message of {@code type} to a topic's subscribers, fire and
     * forget: a broker or history failure is counted and logged, not told to the caller; use
     * {@link #publish(String, String, Object)} for the outcome. With a topic
     * history ({@link WsHubOptions#history()}) the message is stored first and delivered with its
     * {@code offset}; when the history stores asynchronously (Redis) delivery follows the append,
     * and the returned count is then the topic's local subscribers at the time of the call.
     */
    int broadcast(String topic, String type, Object data);

    /** As {@link #broadcast(String, String, Object)} (fire and forget), skipping the given connections. */
    int broadcast(String topic, String type, Object data, Set<String> excludedConnectionIds);

    /**
     * Broadcasts one message to the subscribers of several topics, on every node of a cluster; a
     * connection subscribed to more than one of them receives it once. Fire and forget; with an
     * outcome: {@link #publish(Set, String, Object)}.
     */
    int broadcast(Set<String> topics, String type, Object data);

    /**
     * Broadcasts a ready message (its {@code topic} is the target; the hub sets the timestamp) to
     * the topic's subscribers except {@code excludedConnectionIds}. Fire and forget; with an
     * outcome: {@link #publish(String, String, Object)} or {@link #publishAs}.
     */
    int broadcast(WsMessage message, Set<String> excludedConnectionIds);

    /**
     * Sends to every connection of a user, on every node of a cluster; the id is matched exactly,
     * whatever characters it holds. Returns how many local connections it reached. Fire and
     * forget; with an outcome: {@link #publishToUser(String, String, Object)}.
     */
    int sendToUser(String userId, String type, Object data);

    /**
     * Sends to one connection of THIS node; {@code false} when it is not here, closing, or the
     * message was dropped. For a connection on any node, with an answer that says which, see
     * {@link #sendToConnection}.
     */
    boolean sendTo(String connectionId, WsMessage message);

    /**
     * Subscribes a connection of THIS node to a topic on the application's behalf (the topic policy
     * is not consulted; the limits are); the client is not told. {@code false} when the connection
     * is not here or a limit is hit. For a connection on any node, see {@link #subscribeConnection}.
     */
    boolean subscribe(String connectionId, String topic);

    /**
     * Unsubscribes a connection of THIS node from a topic; the client is not told. {@code false}
     * when it was not subscribed or is not here. For any node, see {@link #unsubscribeConnection}.
     */
    boolean unsubscribe(String connectionId, String topic);

    /**
     * As {@link #sendToUser(String, String, Object)}, skipping the given connections (for example
     * the sender's own), on every node of a cluster.
     */
    int sendToUser(String userId, String type, Object data, Set<String> excludedConnectionIds);

    /**
     * Sends to one connection, on whichever node of the cluster holds it (the hub sets the
     * timestamp). A connection of this node is served at once; for any other id every node is
     * asked over the broker, and the answer comes from the node that holds it, or says that no
     * live node does once every live node has answered, or that some node stayed silent for
     * {@link ClusterSpec#requestTimeout()}. Cold: nothing is sent until subscribed; cancelling
     * after the request left does not recall it.
     *
     * <pre>{@code
     * hub.sendToConnection(id, WsMessage.of("notice", null, Map.of("text", "hi")))
     *    .filter(o -> o.status() == ConnectionOutcome.Status.NOT_FOUND)
     *    .subscribe(o -> forget(id));
     * }</pre>
     *
     * @return {@link ConnectionOutcome.Status#DONE} with the node when queued there;
     *         {@code REFUSED} (closing, outbound queue full), {@code NOT_FOUND} or {@code NO_ANSWER}
     *         otherwise; fails with a {@link io.reactivewspool.WsException} when the broker cannot
     *         carry the request
     */
    Mono<ConnectionOutcome> sendToConnection(String connectionId, WsMessage message);

    /**
     * Subscribes a connection, on whichever node holds it, to a topic on the application's behalf
     * (the topic policy is not consulted; the limits are), and tells its client with a
     * {@code subscribed} message without {@code id} whose {@code data.by} is {@code "server"}.
     * Emits {@code DONE} once the connection's node receives the topic's messages from every node,
     * {@code UNCHANGED} when it already was subscribed, {@code REFUSED} when a limit is hit or the
     * connection is closing; otherwise as {@link #sendToConnection}.
     *
     * @throws IllegalArgumentException when the topic name is invalid
     */
    Mono<ConnectionOutcome> subscribeConnection(String connectionId, String topic);

    /**
     * Unsubscribes a connection, on whichever node holds it, from a topic, and tells its client with
     * an {@code unsubscribed} message without {@code id} whose {@code data.by} is {@code "server"}.
     * Emits {@code DONE}, or {@code UNCHANGED} when it was not subscribed; otherwise as
     * {@link #sendToConnection}.
     *
     * @throws IllegalArgumentException when the topic name is invalid
     */
    Mono<ConnectionOutcome> unsubscribeConnection(String connectionId, String topic);

    /**
     * Sends {@code message} to one connection as a request and completes with the client's
     * {@code ack} (docs/PROTOCOL.md, Requests of the hub): the hub gives the message a fresh
     * {@code id} beginning with {@link WsMessage#HUB_REQUEST_ID_PREFIX} (replacing any id it had)
     * and the client answers {@code {"type":"ack","id":…,"data":…}}. The connection may be on
     * another node of a cluster: the request goes through the broker to the node holding it, and
     * the outcome comes back here.
     *
     * <pre>{@code
     * hub.request(connectionId, WsMessage.of("confirm_order", null, Map.of("order", 42)), Duration.ofSeconds(10))
     *    .map(ack -> ack.data().get("accepted").asBoolean())
     *    .subscribe(accepted -> log.info("order 42 accepted={}", accepted));
     * }</pre>
     *
     * <p>Fails with {@link io.reactivewspool.WsRequestTimeoutException} when no {@code ack} comes
     * within {@code timeout} (on a cluster, also when no node holds the connection or its node is
     * unreachable); with {@link io.reactivewspool.WsClosedException} (code and reason) when the
     * connection closes first; with {@link WsHubRequestException} when the client answers with an
     * {@code error} ({@code REFUSED}), when {@link LimitSpec#maxPendingRequestsPerConnection()}
     * requests already wait on the connection ({@code TOO_MANY_PENDING}), when the connection is
     * unknown to a hub without a cluster broker ({@code UNKNOWN_CONNECTION}), or when the request
     * could not be sent ({@code NOT_SENT}). Cold: each subscription sends one request; cancelling
     * forgets it, and an {@code ack} that comes after is answered with an {@code error} and counted.
     *
     * @throws IllegalArgumentException when {@code timeout} is not positive, or the message's type
     *                                  is {@code ack} or {@code error}
     */
    Mono<WsMessage> request(String connectionId, WsMessage message, Duration timeout);

    /**
     * The messages broadcast to a topic from now on, for in-process subscribers. Hot: each
     * subscription counts as a topic subscriber while active (cancel removes it). Elements arrive
     * on the broadcasting thread, or on another thread broadcasting to the topic at the same time,
     * in each broadcaster's order; a subscriber that falls behind by more than the outbound queue
     * size loses the oldest messages. Do not block in it. Completes when the hub has closed (at
     * once when subscribed after that).
     */
    Flux<WsMessage> topic(String topic);

    /**
     * Who is subscribed to {@code topic}, a topic whose presence the hub tracks ({@link
     * ClusterSpec#tracksPresence(String)}): on one node from the registry; with a cluster broker
     * (Redis), this node's share live with every other live node's, which each node writes when it
     * changes and which drops out when its node misses heartbeats for
     * {@link ClusterSpec#stateTtl()}. In-process {@link #topic(String)} subscribers are not
     * counted. Cold; never errors (an unreachable broker gives this node's share).
     *
     * @throws IllegalArgumentException when the topic name is invalid or its presence is not tracked
     *                                  (on one node too, as a cluster could not answer)
     */
    Mono<Presence> presence(String topic);

    /** One connection's live view. */
    Optional<WsConnectionView> connection(String connectionId);

    /** The operator operations: connections, disconnects, stats and the stale-connection sweep. */
    HubAdmin admin();

    /** Whether the hub accepts new connections ({@code false} once {@link #close()} started). */
    boolean isAccepting();

    /**
     * Closes gracefully: stops accepting, closes every connection with 1001 in batches spread
     * over {@link ShutdownSpec#drainPeriod()}, waits for them, then stops the timers and the
     * broker subscription. The returned {@code Mono} is hot-started on first subscription and
     * completes when all of that is done; calling again returns the same completion.
     */
    Mono<Void> close();
}
