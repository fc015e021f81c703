package io.reactivewspool.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The operator dashboard: a page, its script and its styles, served below the admin API at
 * {@code ADMIN_API/dashboard/} by both standalone engines ({@code WsServerOptions.dashboard(true)})
 * and by the Spring starter ({@code wspool.admin.dashboard.enabled=true}). It shows connections,
 * topics and the send rate, and can broadcast and disconnect.
 *
 * <p>The files hold no data. The page asks for the admin token and makes every call through the
 * admin API, so it shows and changes nothing for anyone the {@link AdminAuthenticator} refuses; where
 * the admin path is protected by other means (Spring Security rules on it), the page is too.
 *
 * <pre>{@code
 * Dashboard dashboard = Dashboard.load();           // reads the files once, off any event loop
 * Dashboard.Asset a = dashboard.serve("GET", "/");  // the path below ADMIN_API/dashboard
 * respond(a.status(), a.headers(), a.body());
 * }</pre>
 *
 * <p>Immutable and thread-safe once loaded.
 */
public final class Dashboard {

    /** Where the dashboard lives below the admin API's base path. */
    public static final String SUB_PATH = "/dashboard";

    /** Every answer's headers: the files change with the library, and the page loads nothing foreign. */
    private static final Map<String, String> COMMON = Map.of(
            "Cache-Control", "no-cache",
            "X-Content-Type-Options", "nosniff",
            "Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");

    private final Asset page;
    private final Asset script;
    private final Asset styles;

    private Dashboard(byte[] page, byte[] script, byte[] styles) {
        this.page = ok("text/html; charset=utf-8", page);
        this.script = ok("text/javascript; charset=utf-8", script);
        this.styles = ok("text/css; charset=utf-8", styles);
    }

    /**
     * An answer.
     *
     * @param status  HTTP status
     * @param headers the response headers, content type included
     * @param body    the body
     */
    public record Asset(int status, Map<String, String> headers, byte[] body) {
    }

    /** Reads the dashboard's files from the class path. Blocking: call it at startup, not on an event loop. */
    public static Dashboard load() {
        return new Dashboard(read("index.html"), read("dashboard.js"), read("dashboard.css"));
    }

    /**
     * The answer to a request for {@code subPath}, the path below {@code ADMIN_API/dashboard}
     * ({@code ""}, {@code "/"}, {@code "/dashboard.js"} …). Only GET and HEAD.
     *
     * @param method   the HTTP method, upper case
     * @param subPath  the path below {@code ADMIN_API/dashboard}
     * @param basePath the full path of the dashboard ({@code ADMIN_API/dashboard}), for the redirect
     */
    public Asset serve(String method, String subPath, String basePath) {
        if (!"GET".equals(method) && !"HEAD".equals(method)) {
            return text(405, "method not allowed: the dashboard answers GET", Map.of("Allow", "GET, HEAD"));
        }
        return switch (subPath) {
            // The page's files are relative to it, so it must be addressed as a directory.
            case "" -> text(301, "moved to " + basePath + "/", Map.of("Location", basePath + "/"));
            case "/", "/index.html" -> page;
            case "/dashboard.js" -> script;
            case "/dashboard.css" -> styles;
            default -> text(404, "not found: the dashboard has index.html, dashboard.js and dashboard.css", Map.of());
        };
    }

    private static Asset ok(String contentType, byte[] body) {
        return new Asset(200, headers(contentType, Map.of()), body);
    }

    private static Asset text(int status, String message, Map<String, String> extra) {
        return new Asset(status, headers("text/plain; charset=utf-8", extra), (message + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private static Map<String, String> headers(String contentType, Map<String, String> extra) {
        LinkedHashMap<String, String> h = new LinkedHashMap<>(COMMON);
        h.put("Content-Type", contentType);
        h.putAll(extra);
        return Map.copyOf(h);
    }

    private static byte[] read(String name) {
        try (InputStream in = Dashboard.class.getResourceAsStream("/io/reactivewspool/dashboard/" + name)) {
            if (in == null) {
                throw new IllegalStateException("the dashboard's " + name + " is missing from the class path");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the dashboard's " + name, e);
        }
    }
}
