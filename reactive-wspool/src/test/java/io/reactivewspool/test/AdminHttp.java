package io.reactivewspool.test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Blocking admin-API calls for test threads (JDK HTTP client). */
public final class AdminHttp {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final JsonMapper JSON = JsonMapper.shared();

    /** A status and a parsed JSON body ({@code null} when the body is not JSON). */
    public record Response(int status, JsonNode json, String body) {
    }

    private AdminHttp() {
    }

    public static Response get(String url, String token) {
        return call(HttpRequest.newBuilder(URI.create(url)).GET(), token);
    }

    public static Response post(String url, String token, String jsonBody) {
        return call(HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(jsonBody == null ? "" : jsonBody)), token);
    }

    private static Response call(HttpRequest.Builder b, String token) {
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        try {
            HttpResponse<String> r = HTTP.send(b.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode n = null;
            try {
                n = JSON.readTree(r.body());
            } catch (RuntimeException notJson) {
                n = null;
            }
            return new Response(r.statusCode(), n, r.body());
        } catch (IOException e) {
            throw new AssertionError("admin call failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
