package io.reactivewspool.server;

import io.reactivewspool.WsException;

/**
 * Signalled by an {@link Authenticator} for a client whose credentials are valid but who may not
 * connect (a blocked or unverified user): the upgrade is refused with HTTP 403 instead of 401.
 *
 * <pre>{@code
 * Authenticator auth = (token, hs) -> users.byToken(token)
 *         .flatMap(u -> u.blocked() ? Mono.error(new WsAccessDeniedException("user blocked")) : Mono.just(u.id()));
 * }</pre>
 */
public class WsAccessDeniedException extends WsException {

    private static final long serialVersionUID = 1L;

    /** @param reason sent to the client as the 403 body; must not contain secrets */
    public WsAccessDeniedException(String reason) {
        super(reason);
    }
}
