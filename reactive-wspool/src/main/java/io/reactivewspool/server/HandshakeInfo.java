package io.reactivewspool.server;

import java.net.InetSocketAddress;
import java.security.Principal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What the hub knows about an HTTP request: the WebSocket upgrade of a connection, or an admin
 * API call. Transport-agnostic; each transport builds one from its own request type.
 *
 * <p>Header names are stored lower-case, so {@link #header(String)} is case-insensitive.
 * {@link #toString()} never prints the {@code token} query parameter or the
 * {@code Authorization} header.
 *
 * @param path          the request path, without the query
 * @param headers       header values by lower-case name
 * @param queryParams   query parameter values by name
 * @param remoteAddress the peer's address, or {@code null} when unknown
 * @param principal     the principal the transport authenticated, or {@code null}
 */
public record HandshakeInfo(String path, Map<String, List<String>> headers, Map<String, List<String>> queryParams,
                            InetSocketAddress remoteAddress, Principal principal) {

    /** The query parameter that carries a connection token. */
    public static final String TOKEN_PARAM = "token";

    /**
     * Common request header names, lower-case: an open connection keeps its upgrade's headers, and
     * each name parsed from a request is one more string per connection (48 bytes).
     */
    private static final Map<String, String> COMMON_NAMES = Stream.of("host", "origin", "user-agent", "accept",
                    "accept-encoding", "accept-language", "cache-control", "pragma", "cookie", "referer", "dnt",
                    "forwarded", "via", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port",
                    "x-real-ip", "x-request-id", "traceparent", "tracestate", "priority", "sec-fetch-dest",
                    "sec-fetch-mode", "sec-fetch-site", "sec-ch-ua", "sec-ch-ua-mobile", "sec-ch-ua-platform")
            .collect(Collectors.toUnmodifiableMap(Function.identity(), Function.identity()));

    public HandshakeInfo {
        path = path == null ? "/" : path;
        Map<String, List<String>> h = new LinkedHashMap<>();
        if (headers != null) {
            headers.forEach((k, v) -> h.computeIfAbsent(lowerCaseName(k), x -> new ArrayList<>()).addAll(v));
        }
        h.replaceAll((k, v) -> List.copyOf(v));
        headers = Map.copyOf(h);
        Map<String, List<String>> q = new LinkedHashMap<>();
        if (queryParams != null) {
            queryParams.forEach((k, v) -> q.put(k, List.copyOf(v)));
        }
        queryParams = Map.copyOf(q);
    }

    /** The first value of a header (case-insensitive name), or {@code null}. */
    public String header(String name) {
        List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    /** The first value of a query parameter, or {@code null}. */
    public String queryParam(String name) {
        List<String> v = queryParams.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    /** The {@code Origin} header, or {@code null} (non-browser clients usually send none). */
    public String origin() {
        return header("origin");
    }

    /**
     * The credential the client presented: the {@code token} query parameter, otherwise the
     * token of an {@code Authorization: Bearer} header, otherwise {@code null}.
     */
    public String token() {
        String q = queryParam(TOKEN_PARAM);
        if (q != null && !q.isEmpty()) {
            return q;
        }
        return bearerToken();
    }

    /** The token of an {@code Authorization: Bearer <token>} header, or {@code null}. */
    public String bearerToken() {
        String auth = header("authorization");
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String t = auth.substring(7).trim();
            return t.isEmpty() ? null : t;
        }
        return null;
    }

    /**
     * What an open connection keeps of its upgrade request: the same request without the
     * credentials (the {@code token} query parameter, {@code Authorization}) and without the
     * headers of the upgrade itself ({@code Upgrade}, {@code Connection}, {@code Sec-WebSocket-*}),
     * which mean nothing once the connection is open. Credentials do not outlive admission, and
     * an idle connection costs less memory.
     *
     * <pre>{@code
     * HandshakeInfo kept = handshake.afterUpgrade();   // kept.token() == null
     * }</pre>
     */
    public HandshakeInfo afterUpgrade() {
        Map<String, List<String>> h = new LinkedHashMap<>(headers);
        h.keySet().removeIf(HandshakeInfo::upgradeOrCredential);
        Map<String, List<String>> q = queryParams;
        if (q.containsKey(TOKEN_PARAM)) {
            q = new LinkedHashMap<>(q);
            q.remove(TOKEN_PARAM);
        }
        return new HandshakeInfo(path, h, q, remoteAddress, principal);
    }

    private static String lowerCaseName(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return COMMON_NAMES.getOrDefault(lower, lower);
    }

    private static boolean upgradeOrCredential(String lowerCaseName) {
        return lowerCaseName.equals("authorization") || lowerCaseName.equals("upgrade")
                || lowerCaseName.equals("connection") || lowerCaseName.startsWith("sec-websocket-");
    }

    @Override
    public String toString() {
        return "HandshakeInfo{path=" + path + ", remote=" + remoteAddress + ", origin=" + origin()
                + ", query=" + queryParams.keySet() + "}";
    }
}
