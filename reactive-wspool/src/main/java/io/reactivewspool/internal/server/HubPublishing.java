package io.reactivewspool.internal.server;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import io.reactivewspool.broker.BrokerMessage;
import io.reactivewspool.message.TopicName;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.PublishResult;
import io.reactivewspool.server.TopicPolicy;
import io.reactivewspool.server.WsConnectionView;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.server.WsPublishException;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The hub's publishing with an outcome ({@link WsHub#publish(String, String, Object)} and its
 * siblings): the same fan-out as the fire-and-forget {@code broadcast} ({@link HubDelivery}), with
 * a {@link Publication} that turns the local delivery and the broker's acknowledgement (after the
 * history's append, when there is one) into a {@link PublishResult} or a {@link WsPublishException}.
 */
final class HubPublishing {

    private final HubDelivery delivery;
    private final TopicPolicy policy;

    HubPublishing(HubDelivery delivery, TopicPolicy policy) {
        this.delivery = delivery;
        this.policy = policy;
    }

    Mono<PublishResult> toTopic(String topic, String type, Object data) {
        TopicName.requireValid(topic);
        return send(BrokerMessage.Kind.TOPIC, List.of(topic), WsMessage.of(type, topic, data), Set.of(), "topic", topic);
    }

    Mono<PublishResult> toTopics(Set<String> topics, String type, Object data) {
        if (topics.isEmpty()) {
            throw new IllegalArgumentException("topics must not be empty");
        }
        topics.forEach(TopicName::requireValid);
        Set<String> targets = new LinkedHashSet<>(topics);
        return send(BrokerMessage.Kind.TOPIC, targets, WsMessage.of(type, null, data), Set.of(), "topics",
                targets.toString());
    }

    Mono<PublishResult> toUser(String userId, String type, Object data) {
        Objects.requireNonNull(userId, "userId");
        return send(BrokerMessage.Kind.USER, List.of(userId), WsMessage.of(type, null, data), Set.of(), "user", userId);
    }

    Mono<PublishResult> as(WsConnectionView sender, String topic, String type, Object data) {
        Objects.requireNonNull(sender, "sender");
        TopicName.requireValid(topic);
        Mono<PublishResult> send = send(BrokerMessage.Kind.TOPIC, List.of(topic), WsMessage.of(type, topic, data),
                Set.of(sender.id()), "topic", topic);
        return Mono.defer(() -> policy.canPublish(sender, topic) ? send : Mono.error(new WsPublishException(
                WsPublishException.Reason.FORBIDDEN, topic, 0, "publish to topic '" + topic + "' refused: the topic "
                + "policy (" + policy + ") does not let connection " + sender.id() + " (user " + sender.userId()
                + ") publish there; delivered to nobody. Allow it in WsHubOptions.topicPolicy, or publish as the "
                + "application with publish(topic, type, data)", null)));
    }

    Flux<PublishResult> all(String topic, String type, Publisher<?> data, int maxInFlight) {
        TopicName.requireValid(topic);
        Objects.requireNonNull(data, "data");
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be >= 1, was " + maxInFlight);
        }
        return Flux.from(data)
                // Every publish is issued from this one worker. Issued from wherever the source emits,
                // a publish replenished by an acknowledgement would run on the broker's I/O thread,
                // whose write goes out at once, ahead of the earlier ones other threads have queued
                // for it: Redis would number (history) and relay them out of order.
                .publishOn(Schedulers.parallel(), maxInFlight)
                .flatMapSequential(d -> toTopic(topic, type, d), maxInFlight, 1);
    }

    private Mono<PublishResult> send(BrokerMessage.Kind kind, Collection<String> targets, WsMessage message,
                                     Set<String> excluded, String what, String target) {
        return Mono.create(sink -> delivery.deliverAndPublish(kind, targets, message, excluded,
                new Publication(sink, what, target)));
    }
}
