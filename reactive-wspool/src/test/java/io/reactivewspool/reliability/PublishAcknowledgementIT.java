package io.reactivewspool.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import io.reactivewspool.message.WsMessage;
import io.reactivewspool.test.ReactorNettyTestClient;
import io.reactivewspool.test.RedisHubs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A {@code published} acknowledgement means the message will reach the topic's subscribers (or a
 * gap will tell them): with a history, the hub delivers only stored messages, so it may acknowledge
 * only once the message is stored, and must answer {@code error} when it cannot store it. Found by
 * the chaos campaign (scripts/chaos.sh, seed 2): a hub whose Redis connection was reset
 * acknowledged publishes whose append then failed; nobody ever received them and nobody was told.
 */
class PublishAcknowledgementIT {

    private static final String TOPIC = "acks";

    @RegisterExtension
    final RedisHubs hubs = RedisHubs.perTestWithHistory(100, "node-a");

    private static WsMessage replyTo(ReactorNettyTestClient c, String id) {
        return c.next(m -> id.equals(m.id()));
    }

    @Test
    void aPublishThatCannotBeStoredIsAnsweredWithAnErrorNotPublished() {
        ReactorNettyTestClient subscriber = hubs.subscriber(0, TOPIC);
        ReactorNettyTestClient publisher = hubs.client(0, "tok-bob");

        publisher.send(WsMessage.publish(TOPIC, "stored").withId("p1"));
        assertThat(replyTo(publisher, "p1").type()).isEqualTo(WsMessage.PUBLISHED);
        assertThat(subscriber.next(WsMessage.DATA).data().asString()).isEqualTo("stored");

        hubs.redis().kill();
        publisher.send(WsMessage.publish(TOPIC, "lost").withId("p2"));
        WsMessage reply = replyTo(publisher, "p2");

        assertThat(reply.type())
                .as("reply to a publish whose history append failed (it is delivered to nobody): %s", reply)
                .isEqualTo(WsMessage.ERROR);
        assertThat(reply.error()).contains("not stored");
        List<String> delivered = subscriber.received().stream().filter(m -> m.is(WsMessage.DATA))
                .map(m -> m.data().asString()).toList();
        assertThat(delivered).containsExactly("stored");
    }
}
