package io.reactivewspool.bench.fanout;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One publisher connection of the {@link LoadGenerator}: sends {@code {"p":I,"seq":N,"t":<nanoTime>,"pad":"…"}}
 * padded to the payload size, as fast as its window and the channel's writability allow or at its share of
 * the total rate, and is woken by subscribers once half of its window is free again.
 */
final class LoadPublisher extends LoadConnection {

    /** Messages one publisher sends per event-loop task before it yields to the subscribers' reads. */
    private static final int PUBLISH_BATCH = 64;
    private static final long RATE_TICK_MICROS = 1_000;
    /**
     * A message the server drops for every subscriber is never received, so it stays outstanding until a
     * later one reveals the gap; with the window full of such messages nothing would be sent again. A
     * publisher blocked this long sends one message past its window.
     */
    static final long STALL_PROBE_MILLIS = 200;
    private static final char[] PAD = new char[LoadGenerator.MAX_FRAME];

    static {
        Arrays.fill(PAD, 'x');
    }

    final int index;
    final AtomicLong accounted = new AtomicLong();
    final AtomicBoolean wakePending = new AtomicBoolean();
    final Runnable pumpTask = this::pump;
    final StringBuilder text = new StringBuilder(256);
    final String prefix;
    /** Where the data value starts in {@link #text}. */
    final int dataOffset;
    /** Owned by the publisher's event loop. */
    long nextSeq;
    /** {@link #nextSeq} as other threads see it. */
    volatile long published;
    volatile boolean blocked;
    boolean running;
    /** Messages sent past the window after {@link #STALL_PROBE_MILLIS} without progress. */
    volatile long probes;
    ScheduledFuture<?> stallProbe;
    long accountedWhenArmed;
    long startNanos;
    ScheduledFuture<?> ticker;

    LoadPublisher(LoadGenerator generator, int index) {
        super(generator);
        this.index = index;
        String envelope = "{\"type\":\"publish\",\"topic\":\"" + generator.config.topic() + "\",\"data\":";
        this.prefix = envelope + "{\"p\":" + index + ",\"seq\":";
        this.dataOffset = envelope.length();
    }

    @Override
    void handshakeComplete(ChannelHandlerContext ctx) {
        settle(true, null);
    }

    @Override
    void onReady(boolean success) {
        if (success) {
            generator.publishersReady.countDown();
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        // welcome, published, errors: nothing to do.
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().isWritable()) {
            pump();
        }
        super.channelWritabilityChanged(ctx);
    }

    void start() {
        running = true;
        startNanos = System.nanoTime();
        if (generator.config.rate() > 0) {
            ticker = channel.eventLoop().scheduleAtFixedRate(pumpTask, 0, RATE_TICK_MICROS, TimeUnit.MICROSECONDS);
        } else {
            pump();
        }
    }

    void stop() {
        running = false;
        if (ticker != null) {
            ticker.cancel(false);
        }
        if (stallProbe != null) {
            stallProbe.cancel(false);
        }
    }

    private void probe() {
        stallProbe = null;
        if (!running || !blocked || !channel.isActive()) {
            return;
        }
        long now = accounted.get();
        if (now != accountedWhenArmed) {
            armProbe(); // progress since: not a stall
        } else {
            probes++;
            send();
            published = nextSeq;
            channel.flush();
            pump();
        }
    }

    private void armProbe() {
        accountedWhenArmed = accounted.get();
        stallProbe = channel.eventLoop().schedule(this::probe, STALL_PROBE_MILLIS, TimeUnit.MILLISECONDS);
    }

    long outstanding() {
        return published * generator.readers.get() - accounted.get();
    }

    /** Called by subscribers on any loop: wakes a publisher stopped by its window once half of it is free. */
    void accounted(long delta) {
        long acc = accounted.addAndGet(delta);
        if (blocked) {
            long r = generator.readers.get();
            if (published * r - acc <= generator.config.window() * r / 2 && wakePending.compareAndSet(false, true)) {
                channel.eventLoop().execute(() -> {
                    wakePending.set(false);
                    pump();
                });
            }
        }
    }

    void pump() {
        if (!running || !channel.isActive()) {
            return;
        }
        long limit = generator.config.rate() > 0
                ? (long) ((System.nanoTime() - startNanos) / 1e9 * generator.config.rate() / generator.pubs.length) + 1
                : Long.MAX_VALUE;
        int sent = 0;
        blocked = false;
        while (nextSeq < limit && sent < PUBLISH_BATCH && channel.isWritable()) {
            if (windowFull()) {
                published = nextSeq;
                blocked = true;
                // Re-check after publishing 'blocked': a subscriber that accounted in between saw it.
                if (windowFull()) {
                    if (stallProbe == null) {
                        armProbe();
                    }
                    break;
                }
                blocked = false;
            }
            send();
            sent++;
        }
        published = nextSeq;
        if (sent > 0) {
            channel.flush();
        }
        if (sent == PUBLISH_BATCH) {
            channel.eventLoop().execute(pumpTask);
        }
    }

    private boolean windowFull() {
        long r = generator.readers.get();
        return r > 0 && nextSeq * r - accounted.get() >= generator.config.window() * r;
    }

    private void send() {
        long seq = nextSeq++;
        long t = System.nanoTime();
        StringBuilder b = text;
        b.setLength(0);
        b.append(prefix).append(seq).append(",\"t\":").append(t).append(",\"pad\":\"");
        int dataLength = b.length() - dataOffset + 2; // + the closing "}
        int pad = Math.max(0, generator.config.payloadBytes() - dataLength);
        b.append(PAD, 0, pad).append("\"}}");
        ByteBuf buf = ByteBufUtil.writeAscii(channel.alloc(), b);
        channel.write(new TextWebSocketFrame(buf), channel.voidPromise());
    }
}
