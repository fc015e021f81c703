package io.reactivewspool.spring.internal;

import java.security.Principal;

import io.reactivewspool.server.AuthenticatedUser;
import io.reactivewspool.server.Authenticator;
import io.reactivewspool.server.HandshakeInfo;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import reactor.core.publisher.Mono;

/**
 * With Spring Security present, an authenticated principal of the upgrade request is the
 * connection's user; otherwise the application's {@link Authenticator} (if any) decides from the token.
 */
public final class SpringSecurityAuthenticator implements Authenticator {

    private final Authenticator delegate;

    public SpringSecurityAuthenticator(Authenticator delegate) {
        this.delegate = delegate;
    }

    @Override
    public Mono<String> authenticate(String token, HandshakeInfo handshake) {
        String user = userOf(handshake.principal());
        if (user != null) {
            return Mono.just(user);
        }
        return delegate == null ? Mono.empty() : delegate.authenticate(token, handshake);
    }

    /** The delegate's expiry passes through; a Spring Security principal does not expire here. */
    @Override
    public Mono<AuthenticatedUser> authenticateUser(String token, HandshakeInfo handshake) {
        String user = userOf(handshake.principal());
        if (user != null) {
            return Mono.just(AuthenticatedUser.of(user));
        }
        return delegate == null ? Mono.empty() : delegate.authenticateUser(token, handshake);
    }

    /** The user name of an authenticated, non-anonymous Spring Security principal, else {@code null}. */
    public static String userOf(Principal principal) {
        if (principal instanceof Authentication a && a.isAuthenticated()
                && !(a instanceof AnonymousAuthenticationToken)) {
            return a.getName();
        }
        return null;
    }
}
