package io.reactivewspool.server.netty;

import java.time.Duration;
import java.util.function.Function;

import io.reactivewspool.server.netty.WsServerOptions.Engine;
import org.junit.jupiter.api.Test;
import reactor.netty.http.server.HttpServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WsServerOptionsTest {

    @Test
    void theEngineIsReactorNettyUnlessChosen() {
        assertThat(WsServerOptions.defaults().engine()).isEqualTo(Engine.REACTOR_NETTY);
        assertThat(WsServerOptions.builder().engine(Engine.NETTY).build().engine()).isEqualTo(Engine.NETTY);
        assertThatThrownBy(() -> WsServerOptions.builder().engine(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("engine");
    }

    @Test
    void aCustomizerWithThePlainEngineIsRefusedNamingBothAndWhatToDo() {
        WsServerOptions.Builder b = WsServerOptions.builder().engine(Engine.NETTY).customizer(Function.identity());
        assertThatThrownBy(b::build).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("customizer")
                .hasMessageContaining("engine NETTY")
                .hasMessageContaining("remove it or use engine REACTOR_NETTY");
        WsServerOptions reactor = WsServerOptions.builder().customizer(s -> s.wiretap(true)).build();
        assertThatThrownBy(() -> reactor.mutate().engine(Engine.NETTY).build()).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void mutateKeepsTheEngineAndTheCustomizer() {
        Function<HttpServer, HttpServer> wiretap = s -> s.wiretap(true);
        WsServerOptions plain = WsServerOptions.builder().engine(Engine.NETTY).port(0).build();
        assertThat(plain.mutate().build().engine()).isEqualTo(Engine.NETTY);
        WsServerOptions customized = WsServerOptions.builder().customizer(wiretap).build();
        assertThat(customized.mutate().build().customizer()).isSameAs(wiretap);
        assertThat(WsServerOptions.defaults().customizer().apply(null)).isNull();
    }

    @Test
    void requestTimeoutDefaultsTo10SecondsAndRefusesValuesOutOfRangeNamingTheField() {
        assertThat(WsServerOptions.defaults().requestTimeout()).isEqualTo(Duration.ofSeconds(10))
                .isEqualTo(WsServerOptions.DEFAULT_REQUEST_TIMEOUT);
        assertThatThrownBy(() -> WsServerOptions.builder().requestTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("requestTimeout must be between PT0.01S and PT10M, was PT0S");
        assertThatThrownBy(() -> WsServerOptions.builder().requestTimeout(Duration.ofHours(1)))
                .hasMessage("requestTimeout must be between PT0.01S and PT10M, was PT1H");
        assertThatThrownBy(() -> WsServerOptions.builder().requestTimeout(null)).hasMessage("requestTimeout");
        WsServerOptions o = WsServerOptions.builder().engine(Engine.NETTY).requestTimeout(Duration.ofMillis(500)).build();
        assertThat(o.mutate().build().requestTimeout()).isEqualTo(Duration.ofMillis(500));
    }
}
