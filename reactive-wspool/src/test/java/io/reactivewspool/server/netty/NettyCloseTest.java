package io.reactivewspool.server.netty;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import io.netty.channel.socket.nio.NioSocketChannel;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

class NettyCloseTest {

    /**
     * A hub closing its connections can meet one whose channel Netty already closed and deregistered
     * (SpringHubConformanceIT saw "channel not registered to an event loop" thrown from close()):
     * closing it is then done, not an error.
     */
    @Test
    void aChannelNoLongerRegisteredToAnEventLoopIsClosedAlready() {
        NioSocketChannel unregistered = new NioSocketChannel();
        AtomicBoolean frameWritten = new AtomicBoolean();
        try {
            Mono<Void> close = NettyClose.withGrace(Connection.from(unregistered), Duration.ofSeconds(1), () -> {
                frameWritten.set(true);
                return Mono.empty();
            });
            StepVerifier.create(close).expectComplete().verify(Duration.ofSeconds(5));
            assertThat(frameWritten).as("no close frame for a channel that is gone").isFalse();
        } finally {
            unregistered.unsafe().closeForcibly();
        }
    }
}
