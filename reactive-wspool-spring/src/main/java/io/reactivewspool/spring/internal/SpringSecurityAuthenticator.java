package io.reactivewspool.spring.internal;

import io.reactivewspool.server.Authenticator;
import io.reactivewspool.server.HandshakeInfo;
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
        if (handshake.principal() instanceof Authentication a && a.isAuthenticated()) {
            return Mono.just(a.getName());
        }
        return delegate == null ? Mono.empty() : delegate.authenticate(token, handshake);
    }
}
