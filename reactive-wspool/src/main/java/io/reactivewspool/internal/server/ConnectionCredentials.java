package io.reactivewspool.internal.server;

import java.time.Instant;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;

import io.reactivewspool.message.WsCloseStatus;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.Admission;
import io.reactivewspool.server.Authenticator;
import io.reactivewspool.server.ConnectionState;
import io.reactivewspool.server.HandshakeInfo;
import io.reactivewspool.server.WsAccessDeniedException;
import io.reactivewspool.server.WsAuthenticationException;
import io.reactivewspool.server.WsHub;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A connection's credentials once it is open: the timer that closes it with 4002 when they
 * expire, and the {@code refresh} that replaces them (docs/PROTOCOL.md). Created only for a
 * connection whose credentials expire or that sends a {@code refresh}; the timer runs on the
 * hub's timer scheduler and is disposed when the connection is unregistered.
 */
final class ConnectionCredentials implements Runnable {

    // The hub's category: what a connection logs stays under one logger name for users' log configuration.
    private static final Logger log = LoggerFactory.getLogger(WsHub.class);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final AtomicIntegerFieldUpdater<ConnectionCredentials> REFRESHING =
            AtomicIntegerFieldUpdater.newUpdater(ConnectionCredentials.class, "refreshing");
    private static final AtomicLongFieldUpdater<ConnectionCredentials> EXPIRES_AT =
            AtomicLongFieldUpdater.newUpdater(ConnectionCredentials.class, "expiresAtMillis");
    private static final long NEVER = Long.MAX_VALUE;
    /** The timer closed the connection: no refresh may extend it any more. */
    private static final long EXPIRED = Long.MIN_VALUE;

    private final HubConnection connection;
    private final ConnectionHost hub;
    private final Disposable.Swap timer = Disposables.swap();
    private volatile long expiresAtMillis = NEVER;
    /** 1 while a refresh is being authenticated: one at a time per connection, so a client cannot pile them up. */
    private volatile int refreshing;

    ConnectionCredentials(HubConnection connection, ConnectionHost hub) {
        this.connection = connection;
        this.hub = hub;
    }

    /**
     * Asks the authenticator about a token, for an upgrade or a refresh, and answers as an
     * {@link Admission}: accepted with the user and expiry, or refused with the status and a
     * reason that is safe to send and log.
     */
    static Mono<Admission> authenticate(ConnectionHost hub, Authenticator authenticator, String token, HandshakeInfo handshake) {
        return Mono.defer(() -> authenticator.authenticateUser(token, handshake))
                .map(u -> {
                    Instant exp = u.expiresAt();
                    if (exp != null && exp.toEpochMilli() <= hub.nowMillis()) {
                        return Admission.refused(401, "credentials expired at " + exp);
                    }
                    return Admission.accepted(u.userId(), exp);
                })
                .defaultIfEmpty(Admission.refused(401, token == null ? "missing credentials" : "invalid credentials"))
                .onErrorResume(e -> {
                    if (e instanceof WsAccessDeniedException denied) {
                        return Mono.just(Admission.refused(403, denied.getMessage() == null ? "forbidden" : denied.getMessage()));
                    }
                    if (e instanceof WsAuthenticationException rejected && rejected.getMessage() != null) {
                        return Mono.just(Admission.refused(401, rejected.getMessage()));
                    }
                    log.warn("authenticator failed remote={} error={}", handshake.remoteAddress(), e.getClass().getName());
                    return Mono.just(Admission.refused(401, "invalid credentials"));
                })
                // Cancels the authenticator: clients waiting on a hung one must not pile up.
                // Not on the hub's timer scheduler: its close disposes timers there and must not contend.
                .timeout(hub.options().authenticationTimeout(), Mono.fromSupplier(() -> {
                    if (hub.errorLog().acquire() >= 0) {
                        log.warn("authenticator timed out remote={} timeout_ms={}; refused with 503",
                                handshake.remoteAddress(), hub.options().authenticationTimeout().toMillis());
                    }
                    return Admission.refused(503, "authentication timed out");
                }), Schedulers.parallel());
    }

    /**
     * Closes the connection with 4002 at {@code expiresAt} ({@code null}: never), replacing any
     * earlier deadline; {@code false} when the credentials have already expired and the
     * connection is closing.
     */
    boolean expireAt(Instant expiresAt) {
        // Rounded up: a deadline truncated to the millisecond would close up to 1 ms before the one announced.
        long at = expiresAt == null ? NEVER : expiresAt.toEpochMilli() + (expiresAt.getNano() % 1_000_000 == 0 ? 0 : 1);
        // One CAS decides between a refresh and the timer: either the timer sees the new deadline,
        // or the refresh sees EXPIRED and does not answer `refreshed` on a connection that is closing.
        for (;;) {
            long current = expiresAtMillis;
            if (current == EXPIRED) {
                return false;
            }
            if (EXPIRES_AT.compareAndSet(this, current, at)) {
                break;
            }
        }
        arm(at == NEVER ? -1 : Math.max(0, at - hub.nowMillis()));
        return true;
    }

    private void arm(long delayMillis) {
        try {
            timer.update(delayMillis < 0 ? Disposables.disposed()
                    : hub.timerScheduler().schedule(this, delayMillis, TimeUnit.MILLISECONDS));
        } catch (RejectedExecutionException closing) {
            // The hub is closing: it closes this connection itself.
        }
    }

    /** The expiry timer. */
    @Override
    public void run() {
        for (;;) {
            long at = expiresAtMillis;
            if (at == NEVER || at == EXPIRED) {
                return;
            }
            long now = hub.nowMillis();
            if (now < at) {
                arm(at - now); // refreshed after this timer was armed
                return;
            }
            if (EXPIRES_AT.compareAndSet(this, at, EXPIRED)) {
                log.info("credentials expired conn={} user={} code={} expired_at={}", connection.id, connection.userId,
                        WsCloseStatus.CREDENTIALS_EXPIRED.code(), Instant.ofEpochMilli(at));
                connection.close(WsCloseStatus.CREDENTIALS_EXPIRED).subscribe();
                return;
            }
        }
    }

    /** Handles a {@code refresh} with a non-empty token; answers {@code refreshed} or {@code error}. */
    void refresh(String token, String id) {
        Authenticator authenticator = hub.options().authenticator();
        if (authenticator == null || connection.userId == null) {
            refused("this connection is anonymous: there are no credentials to refresh", id);
            return;
        }
        if (!REFRESHING.compareAndSet(this, 0, 1)) {
            refused("a refresh is already in progress on this connection", id);
            return;
        }
        authenticate(hub, authenticator, token, connection.handshake())
                .takeUntilOther(connection.terminated.asMono())
                .doFinally(signal -> refreshing = 0)
                .subscribe(admission -> refreshed(admission, id),
                        e -> refused("invalid credentials", id));
    }

    private void refreshed(Admission admission, String id) {
        if (!admission.isAccepted()) {
            refused(admission.reason(), id);
            return;
        }
        if (!connection.userId.equals(admission.userId())) {
            refused("the token is for another user", id);
            return;
        }
        if (connection.state() != ConnectionState.OPEN || !expireAt(admission.expiresAt())) {
            return; // closing already (expired, or closed for another reason)
        }
        log.info("credentials refreshed conn={} user={} expires_at={}", connection.id, connection.userId,
                admission.expiresAt() == null ? "never" : admission.expiresAt());
        ObjectNode data = NODES.objectNode();
        if (admission.expiresAt() == null) {
            data.putNull("expires_at");
        } else {
            data.put("expires_at", admission.expiresAt().toString());
        }
        connection.offer(connection.frameOf(WsMessage.builder(WsMessage.REFRESHED).id(id).data(data).build()));
    }

    private void refused(String reason, String id) {
        HubConnection.ERRORS.incrementAndGet(connection);
        hub.counters().errors.increment();
        log.info("refresh refused conn={} user={} reason=\"{}\"", connection.id, connection.userId, reason);
        connection.offer(connection.frameOf(WsMessage.error("refresh refused: " + reason + "; the connection keeps its credentials", id)));
    }

    /** Stops the expiry timer; the connection is gone. */
    void dispose() {
        timer.dispose();
    }
}
