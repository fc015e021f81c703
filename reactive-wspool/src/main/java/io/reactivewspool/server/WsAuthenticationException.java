package io.reactivewspool.server;

import io.reactivewspool.WsException;

/**
 * Signalled by an {@link Authenticator} for credentials it rejects, with a reason that is safe to
 * tell the client and to log (never the token itself): the upgrade is refused with HTTP 401 and
 * this reason as the body, and a {@code refresh} is answered with an {@code error} naming it.
 * Any other error of an authenticator is reported as {@code invalid credentials} only, since its
 * message may quote the credential.
 *
 * <pre>{@code
 * Authenticator auth = (token, hs) -> sessions.lookup(token)
 *         .switchIfEmpty(Mono.error(new WsAuthenticationException("session unknown or logged out")));
 * }</pre>
 */
public class WsAuthenticationException extends WsException {

    private static final long serialVersionUID = 1L;

    /** @param reason what is wrong with the credentials; must not contain secrets */
    public WsAuthenticationException(String reason) {
        super(reason);
    }
}
