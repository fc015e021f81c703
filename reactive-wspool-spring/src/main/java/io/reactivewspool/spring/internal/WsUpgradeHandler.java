package io.reactivewspool.spring.internal;

import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.reactivewspool.server.Admission;
import io.reactivewspool.server.HandshakeInfo;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.server.netty.ReactorNettyTransport;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.util.ClassUtils;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.WebSocketSession;
import org.springframework.web.reactive.socket.server.WebSocketService;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebHandler;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.WebsocketServerSpec;

/**
 * The WebFlux handler mapped at the hub's path: it asks the hub to admit the upgrade request
 * (authentication, origin, connection limit) and answers a refusal as a plain HTTP response, so
 * that nothing is allocated for a refused client; only an admitted request is upgraded.
 * Connections to an endpoint with topics are subscribed to them as soon as they are open.
 */
public final class WsUpgradeHandler implements WebHandler {

    private static final boolean SPRING_SECURITY = ClassUtils.isPresent(
            "org.springframework.security.core.Authentication", WsUpgradeHandler.class.getClassLoader());

    private final WsHub hub;
    private final WebSocketService webSocketService;
    private final boolean requireAuth;
    private final Set<String> topics;

    public WsUpgradeHandler(WsHub hub, WebSocketService webSocketService, boolean requireAuth, Set<String> topics) {
        this.hub = hub;
        this.webSocketService = webSocketService;
        this.requireAuth = requireAuth;
        this.topics = Set.copyOf(topics);
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange) {
        return exchange.getPrincipal().map(Optional::of).defaultIfEmpty(Optional.empty())
                .flatMap(principal -> {
                    HandshakeInfo handshake = handshake(exchange.getRequest(), principal.orElse(null));
                    return hub.admit(handshake).map(a -> withPrincipal(a, principal.orElse(null))).flatMap(admission -> {
                        if (!admission.isAccepted()) {
                            return refuse(exchange.getResponse(), admission.httpStatus(), admission.reason());
                        }
                        if (requireAuth && admission.userId() == null) {
                            return refuse(exchange.getResponse(), 401,
                                    "this endpoint requires authentication: pass a token in the 'token' query parameter or an 'Authorization: Bearer' header");
                        }
                        List<String> subprotocols = subprotocols(exchange.getRequest(), admission.subprotocol());
                        return webSocketService.handleRequest(exchange,
                                new HubSession(hub, handshake, admission, topics, subprotocols));
                    });
                });
    }

    /** Serves an upgraded session on the hub; it reads nothing of the session but its connection. */
    record HubSession(WsHub hub, HandshakeInfo handshake, Admission admission, Set<String> topics,
                      List<String> subprotocols) implements WebSocketHandler {

        @Override
        public List<String> getSubProtocols() {
            return subprotocols;
        }

        @Override
        public Mono<Void> handle(WebSocketSession session) {
            return hub.serve(SpringWsTransport.over(session, handshake.afterUpgrade(),
                    hub.options().limits().maxFrameBytes()), admission, topics);
        }

        /**
         * On Reactor Netty: the 101 (on the connection's event loop, also after an authentication that completed
         * elsewhere) and the connection served without a WebFlux session, taken over from Reactor Netty.
         */
        Mono<Void> upgrade(HttpServerResponse response, WebsocketServerSpec spec) {
            return ReactorNettyTransport.upgrade(response, spec, handshake.afterUpgrade(), hub.options().limits().maxFrameBytes(),
                    transport -> hub.serve(transport, admission, topics));
        }
    }

    /**
     * With Spring Security and no application {@code Authenticator}, the hub admits everyone as
     * anonymous; an authenticated principal of the upgrade request then names the user.
     */
    private static Admission withPrincipal(Admission admission, Principal principal) {
        if (SPRING_SECURITY && admission.isAccepted() && admission.userId() == null) {
            String user = SpringSecurityAuthenticator.userOf(principal);
            if (user != null) {
                return Admission.accepted(user).withSubprotocol(admission.subprotocol());
            }
        }
        return admission;
    }

    /**
     * What the handler offers so that Spring answers exactly the name the hub chose in admit (none:
     * no header). Spring matches the header's comma-separated names untrimmed ("a, b" offers " b"),
     * so the chosen name is offered as the client spelled it too; Reactor Netty trims it again.
     */
    private static List<String> subprotocols(ServerHttpRequest request, String chosen) {
        if (chosen == null) {
            return List.of();
        }
        List<String> names = new ArrayList<>(List.of(chosen));
        String header = request.getHeaders().getFirst("Sec-WebSocket-Protocol");
        if (header != null) {
            for (String raw : header.split(",")) {
                if (!raw.equals(chosen) && raw.trim().equals(chosen)) {
                    names.add(raw);
                }
            }
        }
        return List.copyOf(names);
    }

    static HandshakeInfo handshake(ServerHttpRequest request, Principal principal) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        request.getHeaders().forEach(headers::put);
        Map<String, List<String>> query = new LinkedHashMap<>(request.getQueryParams());
        return new HandshakeInfo(request.getPath().value(), headers, query, request.getRemoteAddress(), principal);
    }

    private static Mono<Void> refuse(ServerHttpResponse response, int status, String reason) {
        response.setStatusCode(HttpStatus.valueOf(status));
        response.getHeaders().setContentType(MediaType.TEXT_PLAIN);
        DataBuffer body = response.bufferFactory().wrap((reason + "\n").getBytes(StandardCharsets.UTF_8));
        return response.writeWith(Mono.just(body));
    }
}
