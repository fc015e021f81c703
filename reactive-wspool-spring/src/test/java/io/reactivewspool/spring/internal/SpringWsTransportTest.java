package io.reactivewspool.spring.internal;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.reactivewspool.server.OutboundFrame;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.buffer.NettyDataBuffer;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.HandshakeInfo;
import org.springframework.web.reactive.socket.WebSocketMessage;
import org.springframework.web.reactive.socket.adapter.AbstractWebSocketSession;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;

/** Encode once survives the WebFlux adapter: every session's frame wraps the broadcast's one array. */
class SpringWsTransportTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Test
    void outboundFramesWrapTheSharedBytesWithoutCopying() {
        byte[] encodedOnce = "{\"type\":\"tick\",\"topic\":\"prices\"}".getBytes(StandardCharsets.UTF_8);
        OutboundFrame frame = OutboundFrame.text(encodedOnce);
        CapturingSession a = new CapturingSession();
        CapturingSession b = new CapturingSession();

        new SpringWsTransport(a, null).send(Flux.just(frame)).block(TIMEOUT);
        new SpringWsTransport(b, null).send(Flux.just(frame)).block(TIMEOUT);

        for (CapturingSession s : List.of(a, b)) {
            assertThat(s.sent).hasSize(1);
            WebSocketMessage m = s.sent.get(0);
            assertThat(m.getType()).isEqualTo(WebSocketMessage.Type.TEXT);
            ByteBuf nativeBuffer = ((NettyDataBuffer) m.getPayload()).getNativeBuffer();
            assertThat(nativeBuffer.hasArray()).isTrue();
            assertThat(nativeBuffer.array()).as("the frame's backing array is the encoded broadcast itself").isSameAs(encodedOnce);
        }
    }

    @Test
    void aSessionOfAnotherServerIsServedThroughTheSessionApi() {
        assertThat(SpringWsTransport.over(new CapturingSession(), null, 65_536)).isInstanceOf(SpringWsTransport.class);
    }

    /** A session that records what it is asked to send, with Netty's buffer factory. */
    private static final class CapturingSession extends AbstractWebSocketSession<Object> {
        final List<WebSocketMessage> sent = new ArrayList<>();

        CapturingSession() {
            super(new Object(), "s", new HandshakeInfo(URI.create("ws://x/ws"),
                    new HttpHeaders(), Mono.empty(), null),
                    new NettyDataBufferFactory(ByteBufAllocator.DEFAULT));
        }

        @Override
        public Flux<WebSocketMessage> receive() {
            return Flux.empty();
        }

        @Override
        public Mono<Void> send(Publisher<WebSocketMessage> messages) {
            return Flux.from(messages).doOnNext(sent::add).then();
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public Mono<Void> close(CloseStatus status) {
            return Mono.empty();
        }

        @Override
        public Mono<CloseStatus> closeStatus() {
            return Mono.empty();
        }
    }
}
