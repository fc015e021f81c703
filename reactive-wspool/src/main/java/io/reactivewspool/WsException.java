package io.reactivewspool;

/**
 * Root of every runtime problem reactive-wspool signals. Reactive methods of the library emit
 * subclasses of this exception through {@code onError}; programmer errors (bad arguments, bad
 * configuration) are thrown at assembly time as {@link IllegalArgumentException} or
 * {@link IllegalStateException} instead.
 *
 * <p>Subclasses say what happened and carry the state that explains it (a close code, a limit,
 * the URL); the message always says what to do next.
 *
 * <pre>{@code
 * pool.request(msg).onErrorResume(WsException.class, e -> fallback(e.getMessage()));
 * }</pre>
 */
public class WsException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public WsException(String message) {
        super(message);
    }

    public WsException(String message, Throwable cause) {
        super(message, cause);
    }
}
