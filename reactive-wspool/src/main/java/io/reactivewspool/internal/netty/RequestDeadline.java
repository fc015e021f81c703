package io.reactivewspool.internal.netty;

import java.util.concurrent.TimeUnit;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import io.reactivewspool.internal.LogLimiter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.NettyPipeline;

/**
 * Closes a connection whose HTTP request is not complete within the request timeout of the
 * connection being ready for it: from the accept, and again from each answer on a kept-alive
 * connection. A client that sends its headers a byte at a time, or connects and says nothing,
 * holds a socket and the decoder's buffers for that long at most. A complete request waiting for
 * its answer (the hub admitting an upgrade, the admin API) is not timed here. With the 101 of an
 * accepted upgrade it leaves the pipeline: the hub's heartbeat watches the WebSocket.
 *
 * <p>Sits right behind the HTTP codec on both engines. One per connection; runs on its event loop.
 */
final class RequestDeadline extends ChannelDuplexHandler {

    static final String NAME = "wspool.requestDeadline";

    private static final Logger log = LoggerFactory.getLogger(RequestDeadline.class);

    private final long timeoutNanos;
    private final LogLimiter closedLog;
    private ScheduledFuture<?> deadline;
    /** Between a request's head and its end. */
    private boolean receiving;
    /** The final answer to the current request went out (possibly before its body arrived). */
    private boolean answered;
    /** The response being written is a final one (not 100 Continue). */
    private boolean finalResponse;

    RequestDeadline(long timeoutNanos, LogLimiter closedLog) {
        this.timeoutNanos = timeoutNanos;
        this.closedLog = closedLog;
    }

    /** Installs it behind Reactor Netty's HTTP codec (from {@code HttpServer.doOnChannelInit}). */
    static void install(Channel channel, long timeoutNanos, LogLimiter closedLog) {
        if (channel.pipeline().get(NettyPipeline.HttpCodec) != null) {
            channel.pipeline().addAfter(NettyPipeline.HttpCodec, NAME, new RequestDeadline(timeoutNanos, closedLog));
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            arm(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (deadline == null) {
            arm(ctx);
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        disarm();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        disarm();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest) {
            receiving = true;
            answered = false;
            if (deadline == null) {
                arm(ctx);
            }
        }
        if (msg instanceof LastHttpContent) {
            receiving = false;
            if (answered) {
                // Answered before its end (a 404, a refusal): the connection waits for the next request.
                arm(ctx);
            } else {
                disarm();
            }
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse r) {
            if (r.status().code() == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
                ctx.write(msg, promise);
                ctx.pipeline().remove(this);
                return;
            }
            finalResponse = r.status().codeClass() != HttpStatusClass.INFORMATIONAL;
        }
        if (msg instanceof LastHttpContent && finalResponse) {
            finalResponse = false;
            answered = true;
            if (!receiving) {
                arm(ctx);
            }
        }
        ctx.write(msg, promise);
    }

    /** Starts the timeout afresh. */
    private void arm(ChannelHandlerContext ctx) {
        disarm();
        deadline = ctx.executor().schedule(() -> expired(ctx), timeoutNanos, TimeUnit.NANOSECONDS);
    }

    private void disarm() {
        if (deadline != null) {
            // On the event loop: Netty takes the task out of its queue without a lock.
            deadline.cancel(false);
            deadline = null;
        }
    }

    private void expired(ChannelHandlerContext ctx) {
        deadline = null;
        if (!ctx.channel().isActive()) {
            return;
        }
        long held = closedLog.acquire();
        if (held >= 0) {
            log.info("request timed out remote={} timeout_ms={} receiving={} held_back={}: no complete request in time, "
                    + "connection closed", ctx.channel().remoteAddress(), TimeUnit.NANOSECONDS.toMillis(timeoutNanos),
                    receiving, held);
        }
        ctx.close();
    }
}
