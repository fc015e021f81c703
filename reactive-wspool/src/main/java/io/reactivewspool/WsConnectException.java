package io.reactivewspool;

import java.net.URI;
import java.util.Objects;

/**
 * A WebSocket connection could not be opened: the TCP connect failed, the HTTP upgrade was
 * refused, or the handshake did not finish in time. The message names the URL (without its
 * query, which may carry a token) and the last cause; {@link #getCause()} is that cause.
 *
 * <pre>{@code
 * client.connect().onErrorResume(WsConnectException.class, e -> fallback(e.url()));
 * }</pre>
 */
public class WsConnectException extends WsException {

    private static final long serialVersionUID = 1L;

    private final String url;
    private final int attempts;

    public WsConnectException(URI url, int attempts, Throwable cause) {
        super(message(url, attempts, cause), cause);
        this.url = safeUrl(url);
        this.attempts = attempts;
    }

    /** The URL the connection was for, without query string or user info. */
    public String url() {
        return url;
    }

    /** How many connect attempts were made before giving up (1 for a single connect). */
    public int attempts() {
        return attempts;
    }

    /** The URL as it may be logged: scheme, host, port and path; never the query or user info. */
    public static String safeUrl(URI url) {
        Objects.requireNonNull(url, "url");
        StringBuilder sb = new StringBuilder();
        if (url.getScheme() != null) {
            sb.append(url.getScheme()).append("://");
        }
        sb.append(url.getHost());
        if (url.getPort() >= 0) {
            sb.append(':').append(url.getPort());
        }
        if (url.getRawPath() != null) {
            sb.append(url.getRawPath());
        }
        return sb.toString();
    }

    private static String message(URI url, int attempts, Throwable cause) {
        String what = cause == null ? "unknown error" : describe(cause);
        return "could not connect to " + safeUrl(url) + (attempts > 1 ? " after " + attempts + " attempts" : "")
                + ": " + what;
    }

    /** A one-line description of an error: its class and message. */
    public static String describe(Throwable t) {
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
