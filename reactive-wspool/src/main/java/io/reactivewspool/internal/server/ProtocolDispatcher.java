package io.reactivewspool.internal.server;

import java.util.List;
import java.util.Set;

import io.reactivewspool.WsException;
import io.reactivewspool.WsProtocolException;
import io.reactivewspool.broker.BrokerMessage;
import io.reactivewspool.history.TopicHistory;
import io.reactivewspool.internal.history.HistoryOffset;
import io.reactivewspool.message.WsCloseStatus;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.ConnectionState;
import io.reactivewspool.server.InboundFrame;
import io.reactivewspool.server.MessageContext;
import io.reactivewspool.server.MessageHandler;
import io.reactivewspool.server.OutboundFrame;
import io.reactivewspool.server.WsHub;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The protocol of docs/PROTOCOL.md for one inbound frame: activity, size and rate limits,
 * decoding, and the answer to every client message type. Runs on the connection's inbound
 * thread; frames of one connection arrive serially.
 */
final class ProtocolDispatcher {

    private static final Logger log = LoggerFactory.getLogger(WsHub.class);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final ConnectionHost host;
    private final Topics topics;
    private final HubDelivery delivery;
    private final HubRequests requests;
    /** The hub as its message handlers see it. */
    private final WsHub hub;

    ProtocolDispatcher(ConnectionHost host, Topics topics, HubDelivery delivery, HubRequests requests, WsHub hub) {
        this.host = host;
        this.topics = topics;
        this.delivery = delivery;
        this.requests = requests;
        this.hub = hub;
    }

    private void reply(HubConnection c, WsMessage m) {
        c.offer(c.frameOf(m));
    }

    /** Runs {@code reply} once the broker carries {@code topic} here (at once with a local broker). */
    private void whenTopicReady(String topic, Runnable reply) {
        if (topics.isReady(topic)) {
            reply.run();
        } else {
            topics.ready(topic).subscribe(null, e -> reply.run(), reply);
        }
    }

    void onFrame(HubConnection c, InboundFrame frame) {
        try {
            dispatch(c, frame);
        } catch (RuntimeException e) {
            host.counters().errors.increment();
            log.error("unexpected error handling a message conn={} user={} code=1011", c.id, c.userId, e);
            c.close(WsCloseStatus.INTERNAL_ERROR).subscribe();
        }
    }

    private void dispatch(HubConnection c, InboundFrame frame) {
        long now = host.nowMillis();
        c.touch(now);
        switch (frame.kind()) {
            case PING -> {
                c.offer(OutboundFrame.pong(frame.payload()));
                return;
            }
            case PONG -> {
                return;
            }
            default -> {
            }
        }
        if (c.state() != ConnectionState.OPEN) {
            return;
        }
        HubConnection.RECEIVED.incrementAndGet(c);
        host.counters().received.increment();
        if (frame.payload().length > host.options().limits().maxFrameBytes()) {
            log.info("frame too large conn={} user={} bytes={} max={}", c.id, c.userId, frame.payload().length, host.options().limits().maxFrameBytes());
            c.close(WsCloseStatus.MESSAGE_TOO_BIG.withReason("frame larger than " + host.options().limits().maxFrameBytes() + " bytes")).subscribe();
            return;
        }
        if ((frame.kind() == InboundFrame.Kind.BINARY) != c.codec.binary()) {
            badMessage(c, FrameKinds.mismatch(frame.kind(), c.codec), null);
            return;
        }
        WsMessage m;
        try {
            m = c.codec.decode(frame.payload());
        } catch (WsProtocolException e) {
            if (overRateLimit(c, now, e.messageId())) {
                return;
            }
            badMessage(c, e.getMessage(), e.messageId());
            return;
        }
        if (overRateLimit(c, now, m.id())) {
            return;
        }
        if (m.id() != null && m.id().startsWith(WsMessage.HUB_REQUEST_ID_PREFIX) && !m.is(WsMessage.ACK)) {
            badMessage(c, "ids beginning with \"" + WsMessage.HUB_REQUEST_ID_PREFIX + "\" are reserved for the hub's requests: "
                    + "choose another id", m.id());
            return;
        }
        switch (m.type()) {
            case WsMessage.SUBSCRIBE -> onSubscribe(c, m);
            case WsMessage.UNSUBSCRIBE -> onUnsubscribe(c, m);
            case WsMessage.PUBLISH -> onPublish(c, m);
            case WsMessage.PING -> reply(c, WsMessage.pong(m.id()));
            case WsMessage.REFRESH -> onRefresh(c, m);
            case WsMessage.ACK -> onAck(c, m);
            default -> onApplicationMessage(c, m);
        }
    }

    private boolean overRateLimit(HubConnection c, long now, String id) {
        int limit = host.options().limits().rateLimitPerSecond();
        if (limit == 0) {
            return false;
        }
        if (now - c.rateWindowStart >= 1000) {
            if (c.rateWindowCount <= limit) {
                c.rateViolations = 0;
            }
            c.rateWindowStart = now;
            c.rateWindowCount = 0;
        }
        if (++c.rateWindowCount <= limit) {
            return false;
        }
        if (++c.rateViolations > host.options().limits().maxRateLimitViolations()) {
            log.info("rate limit exceeded repeatedly conn={} user={} limit_per_s={}", c.id, c.userId, limit);
            c.close(WsCloseStatus.POLICY_VIOLATION.withReason("rate limit exceeded repeatedly")).subscribe();
        } else {
            error(c, "rate limit exceeded: at most " + limit + " messages per second; message ignored", id);
        }
        return true;
    }

    void onSubscribe(HubConnection c, WsMessage m) {
        String topic = m.topic();
        if (topic == null) {
            badMessage(c, "subscribe needs a \"topic\"", m.id());
            return;
        }
        if (!host.options().topicPolicy().canSubscribe(c, topic)) {
            error(c, "not allowed to subscribe to topic '" + topic + "'", m.id());
            return;
        }
        boolean wantsReplay = m.data() != null && m.data().has("since");
        if (wantsReplay && host.options().history() != null) {
            onSubscribeSince(c, m);
            return;
        }
        Topics.Result r = topics.subscribe(c, topic);
        switch (r) {
            case SUBSCRIBED, ALREADY -> {
                if (r == Topics.Result.SUBSCRIBED) {
                    if (c.state() == ConnectionState.CLOSED) {
                        topics.unsubscribe(c, topic); // lost a race with unregister
                        return;
                    }
                    log.debug("subscribed conn={} user={} topic={}", c.id, c.userId, topic);
                }
                WsMessage.Builder b = WsMessage.builder(WsMessage.SUBSCRIBED).topic(topic).id(m.id());
                if (m.data() != null && m.data().has("since")) {
                    // No topic history on this hub: nothing can be replayed.
                    ObjectNode d = NODES.objectNode();
                    d.put("recovered", false);
                    b.data(d);
                }
                WsMessage reply = b.build();
                whenTopicReady(topic, () -> reply(c, reply));
            }
            case TOO_MANY_TOPICS -> error(c, "subscription limit reached: at most " + host.options().limits().maxTopicsPerConnection()
                    + " topics per connection", m.id());
            case TOPIC_FULL -> error(c, "topic '" + topic + "' is full: at most " + host.options().limits().maxConnectionsPerTopic()
                    + " subscribers", m.id());
        }
    }

    /**
     * {@code subscribe} with {@code data.since} on a hub with history: attach first (live events
     * held by a {@link TopicRecovery}), read the history, then replay, reply and release.
     */
    private void onSubscribeSince(HubConnection c, WsMessage m) {
        String topic = m.topic();
        JsonNode sinceNode = m.data().get("since");
        HistoryOffset since;
        try {
            if (!sinceNode.isString()) {
                HistoryOffset.parse(null); // throws the protocol error naming the field
            }
            since = HistoryOffset.parse(sinceNode.asString());
        } catch (WsProtocolException e) {
            badMessage(c, e.getMessage(), m.id());
            return;
        }
        TopicRecovery recovery = new TopicRecovery(c, host.options().limits().outboundQueueSize(), host.options().limits().overflowPolicy(),
                host.counters().gapsReported);
        Topics.Result r = topics.subscribe(c, topic, recovery);
        switch (r) {
            case SUBSCRIBED -> {
                if (c.state() == ConnectionState.CLOSED) {
                    topics.unsubscribe(c, topic); // lost a race with unregister
                    return;
                }
            }
            case ALREADY -> {
                // Live messages already flow to this connection: a replay would duplicate them.
                reply(c, subscribedReply(topic, m.id(), false, null));
                return;
            }
            case TOO_MANY_TOPICS -> {
                error(c, "subscription limit reached: at most " + host.options().limits().maxTopicsPerConnection()
                        + " topics per connection", m.id());
                return;
            }
            case TOPIC_FULL -> {
                error(c, "topic '" + topic + "' is full: at most " + host.options().limits().maxConnectionsPerTopic()
                        + " subscribers", m.id());
                return;
            }
        }
        Disposable attached = c.subscriptions.get(topic);
        // Read the history only once other nodes' messages reach this node: anything published
        // after the read then arrives live (held by the recovery), nothing falls in between.
        whenTopicReady(topic, () -> host.options().history().since(topic, since.toString())
                .takeUntilOther(c.terminated.asMono())
                .subscribe(replay -> finish(c, m, recovery, attached, replay, since), e -> {
                    if (host.errorLog().acquire() >= 0) {
                        log.warn("history read failed conn={} user={} topic={} error={}", c.id, c.userId, topic, e.toString());
                    }
                    finish(c, m, recovery, attached, null, since);
                }));
    }

    private void finish(HubConnection c, WsMessage m, TopicRecovery recovery, Disposable attached,
                        TopicHistory.Replay replay, HistoryOffset since) {
        if (c.subscriptions.get(m.topic()) != attached) {
            return; // unsubscribed (or closed) while the history was read
        }
        boolean recovered = recovery.complete(replay, since,
                (ok, latest) -> c.frameOf(subscribedReply(m.topic(), m.id(), ok, latest)), c::frameOf);
        log.debug("subscribed conn={} user={} topic={} since={} recovered={} replayed={}", c.id, c.userId, m.topic(),
                since, recovered, replay == null ? 0 : replay.messages().size());
    }

    private static WsMessage subscribedReply(String topic, String id, boolean recovered, String latestOffset) {
        ObjectNode d = NODES.objectNode();
        d.put("recovered", recovered);
        if (latestOffset != null) {
            d.put("offset", latestOffset);
        }
        return WsMessage.builder(WsMessage.SUBSCRIBED).topic(topic).id(id).data(d).build();
    }

    private void onUnsubscribe(HubConnection c, WsMessage m) {
        if (m.topic() == null) {
            badMessage(c, "unsubscribe needs a \"topic\"", m.id());
            return;
        }
        if (topics.unsubscribe(c, m.topic())) {
            log.debug("unsubscribed conn={} user={} topic={}", c.id, c.userId, m.topic());
        }
        reply(c, WsMessage.unsubscribed(m.topic(), m.id()));
    }

    private void onPublish(HubConnection c, WsMessage m) {
        String topic = m.topic();
        if (topic == null) {
            badMessage(c, "publish needs a \"topic\"", m.id());
            return;
        }
        if (!host.options().topicPolicy().canPublish(c, topic)) {
            error(c, "not allowed to publish to topic '" + topic + "'", m.id());
            return;
        }
        String id = m.id();
        // With a history, only a stored message is delivered: acknowledge it once stored, never before.
        delivery.deliverAndPublish(BrokerMessage.Kind.TOPIC, List.of(topic), WsMessage.data(topic, m.data()), Set.of(c.id),
                id == null ? null : stored -> {
                    if (stored != null) {
                        reply(c, WsMessage.published(topic, id));
                    } else {
                        error(c, "message not stored (topic history unavailable) and not delivered to anyone: publish it again", id);
                    }
                });
    }

    private void onRefresh(HubConnection c, WsMessage m) {
        JsonNode token = m.data() == null ? null : m.data().get("token");
        if (token == null || !token.isString() || token.asString().isEmpty()) {
            badMessage(c, "refresh needs a non-empty string \"data.token\"", m.id());
            return;
        }
        c.credentials().refresh(token.asString(), m.id());
    }

    /** A client's answer to a request of the hub; one that answers nothing is told so (PROTOCOL.md, Requests of the hub). */
    private void onAck(HubConnection c, WsMessage m) {
        if (m.id() == null) {
            badMessage(c, "ack needs the \"id\" of the hub's request it answers", null);
            return;
        }
        switch (requests.onAck(c, m)) {
            case ANSWERED -> {
            }
            case LATE -> error(c, "ack for " + m.id() + " came too late: the request timed out, was cancelled or was "
                    + "answered already; it is ignored", m.id());
            case UNKNOWN -> badMessage(c, "ack for an unknown request id '" + m.id() + "': the hub sent no such "
                    + "request on this connection", m.id());
        }
    }

    private void onApplicationMessage(HubConnection c, WsMessage m) {
        MessageHandler handler = host.options().handlers().get(m.type());
        if (handler == null) {
            badMessage(c, "unknown message type '" + m.type() + "'", m.id());
            return;
        }
        Flux<WsMessage> replies;
        try {
            replies = Flux.from(handler.handle(new MessageContext(m, c, hub)));
        } catch (RuntimeException e) {
            replies = Flux.error(e);
        }
        // A handler's replies stop with the connection.
        replies.takeUntilOther(c.terminated.asMono()).subscribe(
                r -> reply(c, r.id() == null && m.id() != null ? r.withId(m.id()) : r),
                e -> {
                    if (host.errorLog().acquire() >= 0) {
                        log.warn("handler failed conn={} user={} type={} error={}", c.id, c.userId, m.type(), e.toString());
                    }
                    error(c, handlerFailure(m.type(), e), m.id());
                });
    }

    /**
     * What a client is told when its handler fails: the handler's own words for the errors a
     * client causes ({@link io.reactivewspool.WsException}, {@link IllegalArgumentException});
     * for anything else, which may carry internals, only that the handler failed (the cause is logged).
     */
    static String handlerFailure(String type, Throwable e) {
        if ((e instanceof WsException || e instanceof IllegalArgumentException) && e.getMessage() != null) {
            return e.getMessage();
        }
        return "handler for '" + type + "' failed";
    }

    private void badMessage(HubConnection c, String reason, String id) {
        error(c, reason, id);
        if (++c.badMessages > host.options().limits().maxBadMessages()) {
            log.info("too many bad messages conn={} user={} count={}", c.id, c.userId, c.badMessages);
            c.close(WsCloseStatus.POLICY_VIOLATION.withReason("too many bad messages")).subscribe();
        }
    }

    private void error(HubConnection c, String reason, String id) {
        HubConnection.ERRORS.incrementAndGet(c);
        host.counters().errors.increment();
        reply(c, WsMessage.error(reason, id));
    }
}
