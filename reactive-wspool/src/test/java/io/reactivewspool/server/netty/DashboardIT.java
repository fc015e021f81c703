package io.reactivewspool.server.netty;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.reactivewspool.server.AdminHttpApi;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.server.WsHubOptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The operator dashboard's files on both engines: served when it is on, and only then. */
class DashboardIT {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private static final String PAGE = AdminHttpApi.BASE_PATH + "/dashboard";

    private static HttpResponse<String> request(WsServer server, String method, String path) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(30)).method(method, HttpRequest.BodyPublishers.noBody()).build();
        return HTTP.send(r, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static WsServer start(WsServerOptions.Engine engine, boolean dashboard) {
        WsHub hub = WsHub.create(WsHubOptions.builder().closeDrainPeriod(Duration.ZERO).build());
        return WsServer.create(hub, WsServerOptions.builder().host("127.0.0.1").port(0).ioThreads(1).engine(engine)
                .adminToken("SECRET").dashboard(dashboard).build()).bindNow();
    }

    @ParameterizedTest
    @EnumSource(WsServerOptions.Engine.class)
    void servesThePageItsScriptAndItsStylesWithSafeHeaders(WsServerOptions.Engine engine) throws Exception {
        WsServer server = start(engine, true);
        try {
            HttpResponse<String> bare = request(server, "GET", PAGE);
            assertThat(bare.statusCode()).isEqualTo(301);
            assertThat(bare.headers().firstValue("Location")).hasValue(PAGE + "/");

            HttpResponse<String> page = request(server, "GET", PAGE + "/");
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
            assertThat(page.headers().firstValue("Content-Security-Policy")).get().asString().contains("default-src 'self'");
            assertThat(page.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
            assertThat(page.body()).contains("Operator dashboard").contains("dashboard.js").contains("dashboard.css");

            HttpResponse<String> script = request(server, "GET", PAGE + "/dashboard.js");
            assertThat(script.statusCode()).isEqualTo(200);
            assertThat(script.headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
            assertThat(script.body()).contains("/disconnect").contains("/broadcast");
            assertThat(request(server, "GET", PAGE + "/dashboard.css").headers().firstValue("Content-Type"))
                    .hasValue("text/css; charset=utf-8");

            HttpResponse<String> head = request(server, "HEAD", PAGE + "/");
            assertThat(head.statusCode()).isEqualTo(200);
            assertThat(head.body()).isEmpty();

            assertThat(request(server, "GET", PAGE + "/secrets.txt").statusCode()).isEqualTo(404);
            HttpResponse<String> post = request(server, "POST", PAGE + "/");
            assertThat(post.statusCode()).isEqualTo(405);
            assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");

            // The page holds no data: the API it calls still wants the admin token.
            assertThat(request(server, "GET", AdminHttpApi.BASE_PATH + "/stats").statusCode()).isEqualTo(401);
        } finally {
            server.close().block(Duration.ofSeconds(30));
        }
    }

    @ParameterizedTest
    @EnumSource(WsServerOptions.Engine.class)
    void offByDefaultItsPathIsPartOfTheAdminApi(WsServerOptions.Engine engine) throws Exception {
        WsServer server = start(engine, false);
        try {
            HttpResponse<String> page = request(server, "GET", PAGE + "/");
            assertThat(page.statusCode()).isEqualTo(401);
            assertThat(page.body()).doesNotContain("Operator dashboard");
        } finally {
            server.close().block(Duration.ofSeconds(30));
        }
    }

    @ParameterizedTest
    @EnumSource(WsServerOptions.Engine.class)
    void theDashboardNeedsTheAdminApi(WsServerOptions.Engine engine) {
        assertThatThrownBy(() -> WsServerOptions.builder().engine(engine).adminEnabled(false).dashboard(true).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("dashboard needs adminEnabled");
    }
}
