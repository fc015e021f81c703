package io.reactivewspool.internal.server;

import java.net.URI;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

import io.reactivewspool.server.HandshakeInfo;

/** The {@code Origin} check against cross-site WebSocket hijacking, and the check of the allowed list. */
public final class Origins {

    private Origins() {
    }

    /** {@code WsHubOptions.allowedOrigins}, checked: no blank entries; a copy in the given order. */
    public static Set<String> checked(Set<String> origins) {
        Objects.requireNonNull(origins, "allowedOrigins");
        for (String o : origins) {
            if (o == null || o.isBlank()) {
                throw new IllegalArgumentException("allowedOrigins must not contain blank entries, was " + origins);
            }
        }
        return new LinkedHashSet<>(origins);
    }

    /**
     * No {@code Origin} (non-browser client): allowed. {@code *} allows any origin. Otherwise the
     * origin must be listed, or, with no list, be the same origin as the {@code Host} header.
     */
    static boolean allowed(HandshakeInfo hs, Set<String> allowedOrigins) {
        String origin = hs.origin();
        if (origin == null) {
            return true;
        }
        String normalized = normalize(origin);
        if (!allowedOrigins.isEmpty()) {
            if (allowedOrigins.contains("*")) {
                return true;
            }
            for (String a : allowedOrigins) {
                if (normalize(a).equals(normalized)) {
                    return true;
                }
            }
            return false;
        }
        return sameOrigin(normalized, hs.header("host"));
    }

    private static String normalize(String origin) {
        String o = origin.trim().toLowerCase(Locale.ROOT);
        return o.endsWith("/") ? o.substring(0, o.length() - 1) : o;
    }

    private static boolean sameOrigin(String origin, String host) {
        if (host == null || "null".equals(origin)) {
            return false;
        }
        try {
            URI u = URI.create(origin);
            if (u.getHost() == null) {
                return false;
            }
            int port = u.getPort() != -1 ? u.getPort() : defaultPort(u.getScheme());
            String h = host.trim().toLowerCase(Locale.ROOT);
            String hostName = h;
            int hostPort = defaultPort(u.getScheme());
            int colon = h.lastIndexOf(':');
            if (colon > 0 && h.indexOf(']') < colon) {
                hostName = h.substring(0, colon);
                hostPort = Integer.parseInt(h.substring(colon + 1));
            }
            return hostName.equals(u.getHost().toLowerCase(Locale.ROOT)) && hostPort == port;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static int defaultPort(String scheme) {
        return "https".equalsIgnoreCase(scheme) || "wss".equalsIgnoreCase(scheme) ? 443 : 80;
    }
}
