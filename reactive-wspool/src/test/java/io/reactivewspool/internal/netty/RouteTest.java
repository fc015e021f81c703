package io.reactivewspool.internal.netty;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.reactivewspool.server.AdminHttpApi;
import io.reactivewspool.server.netty.WsServerOptions;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The one routing decision both engines apply, request by request. */
class RouteTest {

    private static final WsServerOptions OPTIONS = WsServerOptions.builder().path("/ws").build();

    private static HttpHeaders upgrade() {
        return new DefaultHttpHeaders()
                .set(HttpHeaderNames.UPGRADE, "websocket")
                .set(HttpHeaderNames.CONNECTION, "Upgrade")
                .set(HttpHeaderNames.SEC_WEBSOCKET_KEY, "dGhlIHNhbXBsZSBub25jZQ==")
                .set(HttpHeaderNames.SEC_WEBSOCKET_VERSION, "13");
    }

    private static Route get(String uri, HttpHeaders headers) {
        return Route.decide(OPTIONS, HttpMethod.GET, HttpVersion.HTTP_1_1, uri, headers);
    }

    @Test
    void wellFormedUpgradeOnTheHubPathGoesToAdmissionWhateverTheQuery() {
        assertThat(get("/ws?token=t", upgrade()).kind()).isEqualTo(Route.Kind.UPGRADE);
    }

    @Test
    void plainRequestOnTheHubPathIsAskedToUpgradeAndKeepsTheConnection() {
        Route.Refusal r = get("/ws", new DefaultHttpHeaders()).refusal();
        assertThat(r.status()).isEqualTo(426);
        assertThat(r.header()).isEqualTo(HttpHeaderNames.UPGRADE);
        assertThat(r.headerValue()).isEqualTo("websocket");
        assertThat(r.close()).isFalse();
    }

    @Test
    void malformedUpgradeIsRefusedAndClosesTheConnection() {
        Route.Refusal noKey = get("/ws", upgrade().remove(HttpHeaderNames.SEC_WEBSOCKET_KEY)).refusal();
        assertThat(noKey.status()).isEqualTo(400);
        assertThat(noKey.close()).isTrue();
        Route.Refusal oldVersion = get("/ws", upgrade().set(HttpHeaderNames.SEC_WEBSOCKET_VERSION, "8")).refusal();
        assertThat(oldVersion.status()).isEqualTo(426);
        assertThat(oldVersion.header()).isEqualTo(HttpHeaderNames.SEC_WEBSOCKET_VERSION);
        assertThat(oldVersion.headerValue()).isEqualTo("13");
        Route post = Route.decide(OPTIONS, HttpMethod.POST, HttpVersion.HTTP_1_1, "/ws", upgrade());
        assertThat(post.refusal().status()).isEqualTo(400);
    }

    @Test
    void adminPathsGoToTheAdminApiOnlyWhenItIsOn() {
        Route admin = get(AdminHttpApi.BASE_PATH + "/stats?x=1", new DefaultHttpHeaders());
        assertThat(admin.kind()).isEqualTo(Route.Kind.ADMIN);
        assertThat(admin.path()).isEqualTo("/stats");
        assertThat(get(AdminHttpApi.BASE_PATH, new DefaultHttpHeaders()).path()).isEmpty();
        assertThat(get(AdminHttpApi.BASE_PATH + "x", new DefaultHttpHeaders()).refusal().status()).isEqualTo(404);
        WsServerOptions off = WsServerOptions.builder().adminEnabled(false).build();
        assertThat(Route.decide(off, HttpMethod.GET, HttpVersion.HTTP_1_1, AdminHttpApi.BASE_PATH + "/stats",
                new DefaultHttpHeaders()).refusal().status()).isEqualTo(404);
    }

    @Test
    void probePathsGoToTheHealthEndpointsUnlessTheHubServesThere() {
        Route live = get("/health/live?verbose", new DefaultHttpHeaders());
        assertThat(live.kind()).isEqualTo(Route.Kind.HEALTH);
        assertThat(live.path()).isEqualTo(HealthEndpoints.LIVE);
        assertThat(get("/health/ready", new DefaultHttpHeaders()).path()).isEqualTo(HealthEndpoints.READY);
        assertThat(get("/health", new DefaultHttpHeaders()).refusal().status()).isEqualTo(404);
        WsServerOptions hubOnProbePath = WsServerOptions.builder().path("/health/live").build();
        assertThat(Route.decide(hubOnProbePath, HttpMethod.GET, HttpVersion.HTTP_1_1, "/health/live", upgrade()).kind())
                .isEqualTo(Route.Kind.UPGRADE);
    }

    @Test
    void anyOtherPathIsNotFound() {
        Route.Refusal r = get("/other", upgrade()).refusal();
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.contentType()).isEqualTo("application/json");
        assertThat(r.body()).isEqualTo(Route.NOT_FOUND);
    }
}
