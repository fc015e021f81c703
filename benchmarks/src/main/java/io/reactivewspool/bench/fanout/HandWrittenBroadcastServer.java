package io.reactivewspool.bench.fanout;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;
import reactor.util.concurrent.Queues;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The floor: a topic broadcaster written the way a typical Reactor Netty / WebFlux user writes one today.
 *
 * <p>Each topic is a {@code Sinks.many().multicast().onBackpressureBuffer()}; each session's outbound is the
 * merge of its replies and of the topic fluxes it subscribed to, every message turned into JSON with the
 * {@code ObjectMapper} per message and per session, and sent with {@code sendString}. Inbound messages are
 * parsed into a tree. Nothing is encoded once, nothing is pre-framed.
 *
 * <p>The only departures from the naive version are the ones without which it would not run at all: the
 * topic sink does not auto-cancel when its last subscriber leaves (it would terminate and refuse every later
 * subscriber), concurrent publishes from several event loops spin on {@code FAIL_NON_SERIALIZED} (up to 100 ms)
 * instead of dropping, and the per-session queues are bounded. A publish the multicast sink cannot take
 * ({@code FAIL_OVERFLOW}: its slowest subscriber is 256 messages behind) is <em>dropped and counted</em>
 * ({@link #dropped()}), as {@code tryEmitNext} users do.
 *
 * <p>Runs on Reactor Netty's default event loops ({@code max(cores, 4)} workers).
 */
public final class HandWrittenBroadcastServer implements FanoutServer {

    private static final int REPLY_QUEUE = 1024;
    private static final int MAX_SUBSCRIPTIONS_PER_SESSION = 64;
    private static final long NON_SERIALIZED_SPIN_NANOS = 100_000_000;

    private final DisposableServer server;
    private final Map<String, Sinks.Many<TopicMessage>> topics = new ConcurrentHashMap<>();
    private final AtomicLong sessionIds = new AtomicLong();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder nonSerializedDrops = new LongAdder();

    private record TopicMessage(String topic, JsonNode data, Object sender) {
    }

    private HandWrittenBroadcastServer(String host, int port, String path) {
        this.server = HttpServer.create()
                .host(host)
                .port(port)
                .route(routes -> routes.ws(path, this::session))
                .bindNow(Duration.ofSeconds(10));
    }

    /** Starts a server on Reactor Netty's default loop resources. */
    public static HandWrittenBroadcastServer start(String host, int port, String path) {
        return new HandWrittenBroadcastServer(host, port, path);
    }

    @Override
    public int port() {
        return server.port();
    }

    @Override
    public long dropped() {
        return dropped.sum();
    }

    /** The part of {@link #dropped()} lost to concurrent emission that outlasted the 100 ms spin. */
    public long droppedNonSerialized() {
        return nonSerializedDrops.sum();
    }

    @Override
    public void close() {
        server.disposeNow(Duration.ofSeconds(10));
    }

    private Mono<Void> session(WebsocketInbound in, WebsocketOutbound out) {
        Object session = new Object();
        Sinks.Many<String> replies = Sinks.many().unicast()
                .onBackpressureBuffer(Queues.<String>get(REPLY_QUEUE).get());
        Sinks.Many<Flux<String>> subscriptions = Sinks.many().unicast()
                .onBackpressureBuffer(Queues.<Flux<String>>get(MAX_SUBSCRIPTIONS_PER_SESSION).get());
        replies.tryEmitNext(Protocol.welcome("c" + sessionIds.incrementAndGet()));

        Flux<String> outbound = Flux.merge(
                replies.asFlux(),
                subscriptions.asFlux().flatMap(f -> f, MAX_SUBSCRIPTIONS_PER_SESSION));
        Mono<Void> inbound = in.receive().asString()
                .doOnNext(text -> handle(text, session, replies, subscriptions))
                .then();
        return Mono.firstWithSignal(inbound, out.sendString(outbound).then());
    }

    private void handle(String text, Object session, Sinks.Many<String> replies,
                        Sinks.Many<Flux<String>> subscriptions) {
        JsonNode msg;
        try {
            msg = Protocol.MAPPER.readTree(text);
        } catch (JacksonException e) {
            replies.tryEmitNext(Protocol.error("malformed JSON", null));
            return;
        }
        String id = msg.path("id").isString() ? msg.get("id").asString() : null;
        if (!msg.path("type").isString()) {
            replies.tryEmitNext(Protocol.error("missing type", id));
            return;
        }
        String type = msg.get("type").asString();
        String topic = msg.path("topic").isString() ? msg.get("topic").asString() : null;
        switch (type) {
            case "subscribe" -> {
                if (!Protocol.validTopic(topic)) {
                    replies.tryEmitNext(Protocol.error("invalid topic", id));
                    return;
                }
                Flux<String> topicFlux = topic(topic).asFlux()
                        .filter(m -> m.sender() != session)
                        .map(m -> {
                            ObjectNode data = Protocol.MAPPER.createObjectNode()
                                    .put("type", "data")
                                    .put("topic", m.topic());
                            data.set("data", m.data());
                            return Protocol.MAPPER.writeValueAsString(data);
                        });
                if (subscriptions.tryEmitNext(topicFlux).isFailure()) {
                    replies.tryEmitNext(Protocol.error("too many subscriptions", id));
                    return;
                }
                replies.tryEmitNext(Protocol.reply("subscribed", topic, id));
            }
            case "publish" -> {
                if (!Protocol.validTopic(topic)) {
                    replies.tryEmitNext(Protocol.error("invalid topic", id));
                    return;
                }
                emit(topic(topic), new TopicMessage(topic, msg.get("data"), session));
                if (id != null) {
                    replies.tryEmitNext(Protocol.reply("published", topic, id));
                }
            }
            case "ping" -> replies.tryEmitNext(Protocol.reply("pong", null, id));
            default -> replies.tryEmitNext(Protocol.error("unknown message type", id));
        }
    }

    private Sinks.Many<TopicMessage> topic(String name) {
        // autoCancel=false: the default sink terminates when its last subscriber leaves.
        return topics.computeIfAbsent(name,
                t -> Sinks.many().multicast().onBackpressureBuffer(Queues.SMALL_BUFFER_SIZE, false));
    }

    private void emit(Sinks.Many<TopicMessage> sink, TopicMessage message) {
        // What Sinks.EmitFailureHandler.busyLooping(...) does, minus its error on overflow: the emitting thread
        // spins while another event loop is inside the sink (which delivers to every subscriber inline).
        Sinks.EmitResult result = sink.tryEmitNext(message);
        long deadline = System.nanoTime() + NON_SERIALIZED_SPIN_NANOS;
        while (result == Sinks.EmitResult.FAIL_NON_SERIALIZED && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            result = sink.tryEmitNext(message);
        }
        if (result == Sinks.EmitResult.FAIL_NON_SERIALIZED) {
            nonSerializedDrops.increment();
        }
        if (result.isFailure() && result != Sinks.EmitResult.FAIL_ZERO_SUBSCRIBER) {
            dropped.increment();
        }
    }
}
