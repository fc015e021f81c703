package io.reactivewspool.internal.netty;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.reactivewspool.server.HandshakeInfo;

/**
 * What both server engines do with an HTTP request before the hub sees it: check that an upgrade
 * is a well-formed RFC 6455 opening handshake, and build the {@link HandshakeInfo} the hub admits.
 * Works on Netty's request parts, which Reactor Netty's request exposes too.
 */
final class Handshakes {

    private Handshakes() {
    }

    /**
     * @param routePath the hub's path: a request for it keeps the route's string, not one of its own
     *                  (an open connection keeps its path)
     */
    static HandshakeInfo of(String uri, HttpHeaders requestHeaders, InetSocketAddress remote, String routePath) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : requestHeaders) {
            headers.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue());
        }
        QueryStringDecoder q = new QueryStringDecoder(uri);
        String path = q.path();
        return new HandshakeInfo(path.equals(routePath) ? routePath : path, headers, q.parameters(), remote, null);
    }

    /**
     * Why the request is not an RFC 6455 opening handshake (4.2.1), or {@code null}. Checked
     * before admission, so that Netty's handshaker never sees it: it would answer a missing key
     * by dropping the connection, take a missing version for the obsolete hixie-76 handshake,
     * accept any key and version 8, and hand a body's bytes on as WebSocket frames (smuggling).
     */
    static Refusal malformed(HttpMethod method, HttpVersion version, HttpHeaders h) {
        if (!HttpMethod.GET.equals(method)) {
            return Refusal.badRequest("a WebSocket upgrade must be a GET request");
        }
        if (version.majorVersion() != 1 || version.minorVersion() < 1) {
            return Refusal.badRequest("a WebSocket upgrade needs HTTP/1.1");
        }
        String length = h.get(HttpHeaderNames.CONTENT_LENGTH);
        if (h.contains(HttpHeaderNames.TRANSFER_ENCODING) || (length != null && !"0".equals(length.trim()))) {
            return Refusal.badRequest("a WebSocket upgrade request must not have a body");
        }
        if (!h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)) {
            return Refusal.badRequest("a WebSocket upgrade needs 'Connection: Upgrade'");
        }
        List<String> keys = h.getAll(HttpHeaderNames.SEC_WEBSOCKET_KEY);
        if (keys.size() != 1 || !isWebSocketKey(keys.get(0))) {
            return Refusal.badRequest("Sec-WebSocket-Key must be one base64-encoded 16-byte value");
        }
        List<String> versions = h.getAll(HttpHeaderNames.SEC_WEBSOCKET_VERSION);
        if (versions.isEmpty()) {
            return Refusal.badRequest("a WebSocket upgrade needs Sec-WebSocket-Version: 13");
        }
        if (versions.size() != 1 || !"13".equals(versions.get(0).trim())) {
            return new Refusal(426, "Sec-WebSocket-Version " + versions + " is not supported; use 13");
        }
        return null;
    }

    /** Whether the request asks for a WebSocket upgrade at all (else: 426, not a malformed handshake). */
    static boolean asksForWebSocket(HttpHeaders h) {
        String upgrade = h.get(HttpHeaderNames.UPGRADE);
        return upgrade != null && "websocket".equalsIgnoreCase(upgrade.trim());
    }

    /** An upgrade refused before admission: the HTTP status and what was wrong. */
    record Refusal(int status, String reason) {
        static Refusal badRequest(String reason) {
            return new Refusal(400, reason);
        }
    }

    private static boolean isWebSocketKey(String key) {
        String k = key.trim();
        if (k.length() != 24) {
            return false;
        }
        try {
            return Base64.getDecoder().decode(k).length == 16;
        } catch (IllegalArgumentException notBase64) {
            return false;
        }
    }
}
