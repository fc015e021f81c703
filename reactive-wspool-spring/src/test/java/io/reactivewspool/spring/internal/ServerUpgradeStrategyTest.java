package io.reactivewspool.spring.internal;

import org.junit.jupiter.api.Test;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.reactive.socket.HandshakeInfo;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ServerUpgradeStrategyTest {

    /** A server the starter does not know gets an answer naming it and the servers it supports, not a bare cast failure. */
    @Test
    void aServerWithoutAKnownUpgradeFailsTheUpgradeNamingIt() {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/ws"));
        ServerUpgradeStrategy strategy = new ServerUpgradeStrategy(65_536, false);

        Mono<Void> upgrade = strategy.upgrade(exchange, session -> Mono.empty(), null, () -> (HandshakeInfo) null);

        assertThatThrownBy(upgrade::block).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no WebSocket upgrade for the server of request type")
                .hasMessageContaining("MockServerHttpRequest")
                .hasMessageContaining("Reactor Netty, on Jetty");
        assertThat(exchange.getResponse().isCommitted()).isFalse();
    }
}
