package io.reactivewspool.internal.client;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.reactivewspool.RequestNotSentException;
import io.reactivewspool.WsClosedException;
import io.reactivewspool.client.WsConnection;
import io.reactivewspool.message.WsCloseStatus;
import io.reactivewspool.message.WsMessage;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/** A scriptable in-memory {@link WsConnection} for pool tests in virtual time. */
final class FakeWsConnection implements WsConnection {

    private static final AtomicLong IDS = new AtomicLong();

    private final String id = "fake" + IDS.incrementAndGet();
    private final Scheduler scheduler;
    private final Sinks.One<WsCloseStatus> closed = Sinks.one();
    private final AtomicInteger pending = new AtomicInteger();
    final AtomicInteger requests = new AtomicInteger();
    volatile boolean answersPings = true;
    volatile Duration replyDelay = Duration.ZERO;
    volatile RuntimeException requestFailure;
    volatile WsCloseStatus closeStatus;

    FakeWsConnection(Scheduler scheduler) {
        this.scheduler = scheduler;
    }

    /** The peer closes the connection. */
    void dropByPeer(int code) {
        closeStatus = new WsCloseStatus(code, "peer");
        closed.tryEmitValue(closeStatus);
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public Mono<Void> send(WsMessage message) {
        return isActive() ? Mono.empty() : Mono.error(new WsClosedException("closed", 1006, ""));
    }

    @Override
    public Mono<Void> sendText(String text) {
        return send(WsMessage.of("text"));
    }

    @Override
    public Mono<WsMessage> request(WsMessage message) {
        return request(message, Duration.ofSeconds(30));
    }

    @Override
    public Mono<WsMessage> request(WsMessage message, Duration timeout) {
        return Mono.defer(() -> {
            requests.incrementAndGet();
            if (requestFailure != null) {
                return Mono.error(requestFailure);
            }
            if (!isActive()) {
                return Mono.error(new RequestNotSentException("closed", 1006, "", null));
            }
            pending.incrementAndGet();
            WsMessage reply = WsMessage.builder("reply").id(message.id() == null ? id : message.id()).data(id).build();
            Mono<WsMessage> r = replyDelay.isZero() ? Mono.just(reply) : Mono.delay(replyDelay, scheduler).thenReturn(reply);
            return r.takeUntilOther(closed.asMono())
                    .switchIfEmpty(Mono.error(() -> new WsClosedException("closed in flight", 1006, "")))
                    .doFinally(s -> pending.decrementAndGet());
        });
    }

    @Override
    public Mono<WsMessage> sendAndReceive(WsMessage message) {
        return request(message);
    }

    @Override
    public Flux<WsMessage> receive() {
        return Flux.never();
    }

    @Override
    public Flux<String> receiveRaw() {
        return Flux.never();
    }

    @Override
    public Mono<Duration> ping() {
        if (!isActive()) {
            return Mono.error(new WsClosedException("closed", 1006, ""));
        }
        return answersPings ? Mono.just(Duration.ofMillis(1)) : Mono.never();
    }

    @Override
    public Mono<Void> close(int code, String reason) {
        return Mono.fromRunnable(() -> {
            if (closeStatus == null) {
                closeStatus = new WsCloseStatus(code, reason);
                closed.tryEmitValue(closeStatus);
            }
        });
    }

    @Override
    public Mono<WsCloseStatus> onClose() {
        return closed.asMono();
    }

    @Override
    public boolean isActive() {
        return closeStatus == null;
    }

    @Override
    public int pendingRequests() {
        return pending.get();
    }

    @Override
    public long undecodableFrames() {
        return 0;
    }

    @Override
    public long droppedMessages() {
        return 0;
    }

    @Override
    public long overflowedMessages() {
        return 0;
    }

    @Override
    public String toString() {
        return id;
    }
}
