package io.reactivewspool.spring;

import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.MessageContext;
import io.reactivewspool.server.WsConnectionView;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.spring.test.LoopbackApp;
import io.reactivewspool.spring.test.RunningApp;
import io.reactivewspool.test.ReactorNettyTestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.beans.factory.support.AbstractBeanDefinition;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.security.core.Authentication;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code @WsMessageMapping} methods with every kind of parameter, data bound to the application's
 * own types, replies of its own types, and signatures refused at startup.
 */
class TypedHandlersIT {

    record Order(String sku, int quantity) {
    }

    record Accepted(String orderId) {
    }

    record Line(String sku, int total) {
    }

    static class Handlers {
        @WsMessageMapping(value = "order", replyType = "order_accepted")
        Mono<Accepted> order(Order order, WsConnectionView sender) {
            return Mono.just(new Accepted(sender.userId() + ":" + order.sku() + "x" + order.quantity()));
        }

        @WsMessageMapping("batch")
        Flux<Line> batch(List<Order> orders) {
            return Flux.fromIterable(orders).map(o -> new Line(o.sku(), o.quantity() * 10));
        }

        @WsMessageMapping("later")
        CompletableFuture<Accepted> later(Order order) {
            return CompletableFuture.supplyAsync(() -> new Accepted("later-" + order.sku()));
        }

        @WsMessageMapping("raw")
        WsMessage raw(WsMessage message, JsonNode data) {
            return WsMessage.of("raw_echo", null, Map.of("type", message.type(), "n", data.path("n").asInt()));
        }

        @WsMessageMapping("context")
        Map<String, Object> context(MessageContext context, WsHub hub) {
            return Map.of("connection", context.connection().id(), "active", hub.admin().stats().activeConnections());
        }

        @WsMessageMapping("whoami")
        String whoami(Principal principal) {
            return principal == null ? "anonymous" : principal.getName();
        }

        @WsMessageMapping("roles")
        List<String> roles(Authentication authentication) {
            return authentication == null ? List.of() : authentication.getAuthorities().stream().map(Object::toString).toList();
        }
    }

    @RegisterExtension
    static final RunningApp APP = new RunningApp(() -> LoopbackApp.of(TypedApp.class));

    private static ReactorNettyTestClient carol() {
        String basic = "Basic " + Base64.getEncoder().encodeToString("carol:carol-pw".getBytes(StandardCharsets.UTF_8));
        ReactorNettyTestClient c = ReactorNettyTestClient.connect(APP.wsUrl(), Map.of("Authorization", basic));
        c.welcome();
        return c;
    }

    @Test
    void dataBindsToTheApplicationsTypeAndTheReplyIsItsOwnTypeUnderTheReplyType() {
        ReactorNettyTestClient c = carol();
        c.send(WsMessage.of("order", null, Map.of("sku", "A-1", "quantity", 3)).withId("o1"));
        WsMessage reply = c.next("order_accepted");
        assertThat(reply.id()).isEqualTo("o1");
        assertThat(reply.data().get("orderId").asString()).isEqualTo("carol:A-1x3");
        c.close();
    }

    @Test
    void genericDataBindsAndAFluxOfOwnTypesGivesOneReplyEach() {
        ReactorNettyTestClient c = carol();
        c.send(WsMessage.of("batch", null, List.of(Map.of("sku", "A", "quantity", 1), Map.of("sku", "B", "quantity", 2))).withId("b1"));
        WsMessage first = c.next("batch");
        WsMessage second = c.next("batch");
        assertThat(List.of(first.data().get("sku").asString(), second.data().get("sku").asString())).containsExactly("A", "B");
        assertThat(second.data().get("total").asInt()).isEqualTo(20);
        assertThat(first.id()).isEqualTo("b1");
        c.close();
    }

    @Test
    void aCompletionStageIsAReplyToo() {
        ReactorNettyTestClient c = carol();
        c.send(WsMessage.of("later", null, Map.of("sku", "Z", "quantity", 1)).withId("l1"));
        assertThat(c.next("later").data().get("orderId").asString()).isEqualTo("later-Z");
        c.close();
    }

    @Test
    void theMessageAndItsDataAsJsonNode() {
        ReactorNettyTestClient c = carol();
        c.send(WsMessage.of("raw", null, Map.of("n", 7)).withId("r1"));
        WsMessage reply = c.next("raw_echo");
        assertThat(reply.data().get("type").asString()).isEqualTo("raw");
        assertThat(reply.data().get("n").asInt()).isEqualTo(7);
        assertThat(reply.id()).isEqualTo("r1");
        c.close();
    }

    @Test
    void theContextAndTheHub() {
        ReactorNettyTestClient c = carol();
        c.send(WsMessage.of("context").withId("c1"));
        WsMessage reply = c.next("context");
        assertThat(reply.data().get("connection").asString()).isNotBlank();
        assertThat(reply.data().get("active").asInt()).isGreaterThanOrEqualTo(1);
        c.close();
    }

    @Test
    void thePrincipalAndItsSpringSecuritySubtypeOrNullWhenAnonymous() {
        ReactorNettyTestClient c = carol();
        c.send(WsMessage.of("whoami").withId("w1"));
        assertThat(c.next("whoami").data().asString()).isEqualTo("carol");
        c.send(WsMessage.of("roles").withId("w2"));
        assertThat(c.next("roles").data().get(0).asString()).isEqualTo("ROLE_USER");
        c.close();

        ReactorNettyTestClient anonymous = ReactorNettyTestClient.connect(APP.wsUrl());
        anonymous.welcome();
        anonymous.send(WsMessage.of("whoami").withId("w3"));
        // Spring Security may hand an anonymous connection its AnonymousAuthenticationToken.
        assertThat(anonymous.next("whoami").data().asString()).isIn("anonymous", "anonymousUser");
        anonymous.close();
    }

    @Test
    void dataThatDoesNotFitIsAnsweredWithWhatWasWrongAndTheConnectionStaysOpen() {
        ReactorNettyTestClient c = carol();
        c.send(WsMessage.of("order", null, Map.of("sku", "A", "quantity", "many")).withId("bad"));
        WsMessage error = c.next("error");
        assertThat(error.id()).isEqualTo("bad");
        assertThat(error.error()).startsWith("data of 'order' does not fit Order at quantity: ");
        c.send(WsMessage.ping().withId("still-open"));
        assertThat(c.next("pong").id()).isEqualTo("still-open");
        c.close();
    }

    static class TwoDataParameters {
        @WsMessageMapping("two")
        void two(Order order, Line line) {
        }
    }

    static class AsyncParameter {
        @WsMessageMapping("async")
        void async(WsConnectionView sender, Mono<Order> order) {
        }
    }

    @Test
    void aSignatureTheHubCannotServeStopsStartupNamingTheMethodAndTheParameter() {
        assertThatThrownBy(() -> run(TwoDataParameters.class)).rootCause()
                .hasMessageContaining("TypedHandlersIT$TwoDataParameters.two(Order, Line)")
                .hasMessageContaining("parameter 1 'line'")
                .hasMessageContaining("second data parameter beside 'order'");
        assertThatThrownBy(() -> run(AsyncParameter.class)).rootCause()
                .hasMessageContaining("TypedHandlersIT$AsyncParameter.async(WsConnectionView, Mono)")
                .hasMessageContaining("parameter 1 'order' (reactor.core.publisher.Mono<")
                .hasMessageContaining("not asynchronous ones");
    }

    private static void run(Class<?> handlers) {
        try (ConfigurableApplicationContext ignored = LoopbackApp.withoutSecurity(PlainApp.class)
                .initializers(ctx -> ((GenericApplicationContext) ctx).registerBean("handlers", Object.class, () -> newInstance(handlers),
                        bd -> ((AbstractBeanDefinition) bd).setBeanClass(handlers)))
                .run()) {
            throw new AssertionError("the application started with " + handlers.getSimpleName());
        }
    }

    private static Object newInstance(Class<?> type) {
        try {
            return type.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class PlainApp {
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(BasicAuthSecurity.class)
    static class TypedApp {
        @Bean
        Handlers handlers() {
            return new Handlers();
        }
    }
}
