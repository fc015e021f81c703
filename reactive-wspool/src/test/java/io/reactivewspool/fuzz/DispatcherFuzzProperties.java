package io.reactivewspool.fuzz;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.Admission;
import io.reactivewspool.server.InboundFrame;
import io.reactivewspool.server.TopicPolicy;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.test.FakeTransport;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile frame sequences through the hub's dispatcher: text garbage, binary, pings, pongs,
 * valid and invalid protocol messages in any order. The hub never throws, every error reply
 * says what was wrong, and a connection ends only with one of the protocol's close codes.
 */
class DispatcherFuzzProperties {

    private static final Set<Integer> PROTOCOL_CODES = Set.of(1000, 1001, 1008, 1009, 1011, 1013, 4000, 4001);

    private VirtualTimeScheduler time;
    private WsHub hub;

    @BeforeProperty
    void startHub() {
        time = VirtualTimeScheduler.create();
        hub = WsHub.create(WsHubOptions.builder().scheduler(time)
                .topicPolicy(TopicPolicy.publishTo(List.of("pub.*")))
                .maxTopicsPerConnection(4).maxFrameBytes(1024).maxBadMessages(20)
                .handler("echo", ctx -> Mono.just(WsMessage.of("echo", null, ctx.message().data())))
                .handler("boom", ctx -> Mono.error(new IllegalStateException("internal detail")))
                .closeDrainPeriod(Duration.ZERO).build());
    }

    @AfterProperty
    void stopHub() {
        hub.close().subscribe();
        time.advanceTimeBy(Duration.ofMinutes(1));
        time.dispose();
    }

    @Property(tries = 300)
    void anySequenceOfFramesGetsAnswersOrAProtocolClose(@ForAll("frames") List<InboundFrame> frames) {
        FakeTransport t = new FakeTransport();
        hub.serve(t, Admission.accepted(null)).subscribe();
        for (InboundFrame f : frames) {
            t.clientSendsFrame(f);
        }
        time.advanceTimeBy(Duration.ofMillis(10));
        for (WsMessage error : t.messages(WsMessage.ERROR)) {
            assertThat(error.error()).isNotBlank().doesNotContain("internal detail");
        }
        if (t.closeStatus() != null) {
            assertThat(PROTOCOL_CODES).contains(t.closeStatus().code());
        }
        t.drop();
        time.advanceTimeBy(Duration.ofMillis(10));
    }

    @Provide
    Arbitrary<List<InboundFrame>> frames() {
        Arbitrary<InboundFrame> garbage = Arbitraries.bytes().array(byte[].class).ofMaxSize(64).map(InboundFrame::text);
        Arbitrary<InboundFrame> binary = Arbitraries.bytes().array(byte[].class).ofMaxSize(64)
                .map(b -> new InboundFrame(InboundFrame.Kind.BINARY, b));
        Arbitrary<InboundFrame> control = Arbitraries.of(InboundFrame.Kind.PING, InboundFrame.Kind.PONG)
                .map(k -> new InboundFrame(k, new byte[] {1, 2}));
        Arbitrary<InboundFrame> oversized = Arbitraries.just(InboundFrame.text("{\"type\":\"x\",\"data\":\"" + "y".repeat(2000) + "\"}"));
        Arbitrary<String> type = Arbitraries.of("subscribe", "unsubscribe", "publish", "ping", "echo", "boom", "nope", "", "welcome");
        Arbitrary<String> topic = Arbitraries.of("pub.a", "pub.b", "news", "", "bad topic", "x".repeat(300));
        Arbitrary<InboundFrame> protocol = Combinators.combine(type, topic, Arbitraries.strings().ofMaxLength(5).injectNull(0.5))
                .as((ty, to, id) -> InboundFrame.text(("{\"type\":\"" + ty + "\",\"topic\":\"" + to + "\""
                        + (id == null ? "" : ",\"id\":\"" + id.replace("\\", "").replace("\"", "") + "\"")
                        + ",\"data\":{\"since\":\"e:1\"}}").getBytes(StandardCharsets.UTF_8)));
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(5, protocol),
                net.jqwik.api.Tuple.of(2, garbage),
                net.jqwik.api.Tuple.of(1, binary),
                net.jqwik.api.Tuple.of(1, control),
                net.jqwik.api.Tuple.of(1, oversized)).list().ofMaxSize(40);
    }
}
