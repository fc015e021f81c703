package io.reactivewspool.spring.internal;

import java.security.Principal;
import java.util.Optional;

import io.reactivewspool.server.AdminAuthenticator;
import io.reactivewspool.server.AdminHttpApi;
import io.reactivewspool.server.Dashboard;
import io.reactivewspool.server.HandshakeInfo;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.spring.WsPoolProperties;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * The hub's admin API as WebFlux routes, served by the core's {@link AdminHttpApi} so the JSON is
 * the same as the standalone server's. Access: with Spring Security, an authenticated principal
 * holding {@code ROLE_<wspool.admin.role>}; without it, the bearer token {@code wspool.admin.token};
 * with neither configured, every request gets 403.
 */
public final class SpringAdminRoutes {

    private SpringAdminRoutes() {
    }

    public static RouterFunction<ServerResponse> routes(WsHub hub, WsPoolProperties.Admin properties, boolean springSecurity) {
        AdminHttpApi api = new AdminHttpApi(hub.admin(), authenticator(properties, springSecurity));
        String base = properties.getPath();
        RouterFunction<ServerResponse> adminApi = RouterFunctions.route(RequestPredicates.path(base).or(RequestPredicates.path(base + "/**")), request -> {
            String sub = request.path().substring(base.length());
            return request.principal().map(Optional::of).defaultIfEmpty(Optional.empty())
                    .flatMap(principal -> {
                        HandshakeInfo hs = handshake(request, principal.orElse(null));
                        Optional<AdminHttpApi.Response> refused = api.refusal(sub, hs);
                        if (refused.isPresent()) {
                            // Answered without reading the body, and closed as the standalone server closes: a
                            // body still coming would otherwise be read as the start of the connection's next
                            // request (Jetty answered that one 400).
                            return toResponse(refused.get(), true);
                        }
                        return api.handle(request.method().name(), sub, hs, body(request)).flatMap(r -> toResponse(r, false));
                    });
        });
        if (!properties.getDashboard().isEnabled()) {
            return adminApi;
        }
        // Read now, while the application starts: a request must not read the class path on an event loop.
        Dashboard dashboard = Dashboard.load();
        String page = base + Dashboard.SUB_PATH;
        return RouterFunctions.route(RequestPredicates.path(page).or(RequestPredicates.path(page + "/**")), request -> {
            Dashboard.Asset a = dashboard.serve(request.method().name(), request.path().substring(page.length()), page);
            return ServerResponse.status(a.status()).headers(h -> a.headers().forEach(h::set)).bodyValue(a.body());
        }).and(adminApi);
    }

    private static AdminAuthenticator authenticator(WsPoolProperties.Admin properties, boolean springSecurity) {
        if (springSecurity) {
            String authority = "ROLE_" + properties.getRole();
            return request -> request.principal() instanceof Authentication a && a.isAuthenticated()
                    && a.getAuthorities().stream().map(GrantedAuthority::getAuthority).anyMatch(authority::equals);
        }
        String token = properties.getToken();
        return token == null || token.isEmpty() ? request -> false : AdminAuthenticator.bearer(token);
    }

    private static HandshakeInfo handshake(ServerRequest request, Principal principal) {
        return WsUpgradeHandler.handshake(request.exchange().getRequest(), principal);
    }

    private static Mono<byte[]> body(ServerRequest request) {
        return DataBufferUtils.join(request.body((message, context) -> message.getBody()), AdminHttpApi.MAX_BODY_BYTES + 1)
                .map(buffer -> {
                    byte[] bytes = new byte[buffer.readableByteCount()];
                    buffer.read(bytes);
                    DataBufferUtils.release(buffer);
                    return bytes;
                })
                .onErrorResume(DataBufferLimitException.class,
                        e -> Mono.just(new byte[AdminHttpApi.MAX_BODY_BYTES + 1]));
    }

    private static Mono<ServerResponse> toResponse(AdminHttpApi.Response r, boolean close) {
        ServerResponse.BodyBuilder b = ServerResponse.status(r.status()).contentType(MediaType.APPLICATION_JSON);
        if (close) {
            b.header(HttpHeaders.CONNECTION, "close");
        }
        if (r.allow() != null) {
            b.header(HttpHeaders.ALLOW, r.allow());
        }
        if (r.status() == 401) {
            b.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        }
        return b.bodyValue(r.body());
    }
}
