package io.reactivewspool.bench.chaos;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;

/**
 * The network of the chaos campaign: one loopback listener per path (a named route such as
 * {@code sub3-hub1} or {@code hub2-redis}) forwarding to a fixed target port, whose open links the
 * campaign can break. Faults act on every open link of the routes whose name starts with a prefix:
 * <ul>
 * <li>{@link #freeze}: both directions are read and thrown away and no close crosses (a dead path
 * without FIN or RST), until the link is closed by one side's own timeout;</li>
 * <li>{@link #reset}: both sockets are closed with an RST (SO_LINGER 0);</li>
 * <li>{@link #delay}: every chunk is forwarded that much later, order kept, for a while;</li>
 * <li>{@link #stall}: the target side is not read for a while (the client stops reading: the target's
 * writes back up into its own buffers and queues).</li>
 * </ul>
 * Links opened after a fault forward normally (a fresh path), except that a delay applies to the
 * route for its whole length.
 *
 * <pre>{@code
 * ChaosProxy net = new ChaosProxy();
 * int port = net.route("sub1-hub1", hubPort);
 * net.freeze("sub1-");
 * net.close();
 * }</pre>
 */
final class ChaosProxy implements AutoCloseable {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final ConcurrentHashMap<String, Route> routes = new ConcurrentHashMap<>();
    private final List<Channel> listeners = new ArrayList<>();

    private static final class Route {
        final String name;
        final Set<Link> links = ConcurrentHashMap.newKeySet();
        volatile long delayMillis;
        volatile long delayUntilNanos;

        Route(String name) {
            this.name = name;
        }

        long delayNow() {
            return System.nanoTime() < delayUntilNanos ? delayMillis : 0;
        }
    }

    /**
     * Chunks of one direction waiting for their time, written strictly in arrival order: one FIFO and
     * one timer for its head, never a timer per chunk (timers due at nearly the same time may run in
     * either order, and a reordered TCP stream is garbage to the peer).
     */
    private static final class Delayed {
        final ArrayDeque<Object> chunks = new ArrayDeque<>();
        final ArrayDeque<Long> dues = new ArrayDeque<>();
        boolean timerArmed;
        /** The sender closed: close the peer once the queue is written. */
        boolean closeWhenDrained;
        long lastDue;
    }

    /** One accepted socket and its socket to the target. */
    private static final class Link {
        final Route route;
        final Channel client;
        volatile Channel target;
        volatile boolean frozen;
        /** Per direction, delayed chunks in arrival order; only the link's event loop touches them. */
        final Delayed toTarget = new Delayed();
        final Delayed toClient = new Delayed();

        Link(Route route, Channel client) {
            this.route = route;
            this.client = client;
        }
    }

    /** Opens a listener for the route {@code name} to {@code 127.0.0.1:targetPort}; returns its port. */
    synchronized int route(String name, int targetPort) {
        Route route = new Route(name);
        if (routes.putIfAbsent(name, route) != null) {
            throw new IllegalArgumentException("route '" + name + "' exists already");
        }
        Channel listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        Link link = new Link(route, ch);
                        route.links.add(link);
                        ch.closeFuture().addListener(f -> route.links.remove(link));
                        new Bootstrap().group(ch.eventLoop()).channel(NioSocketChannel.class)
                                .option(ChannelOption.TCP_NODELAY, true)
                                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
                                .handler(new Forward(link, false))
                                .connect("127.0.0.1", targetPort)
                                .addListener((ChannelFutureListener) f -> {
                                    if (!f.isSuccess()) {
                                        ch.close();
                                        return;
                                    }
                                    link.target = f.channel();
                                    ch.pipeline().addLast(new Forward(link, true));
                                    ch.config().setAutoRead(true);
                                });
                    }
                })
                .bind("127.0.0.1", 0).syncUninterruptibly().channel();
        listeners.add(listener);
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** Freezes every open link of the matching routes; returns how many. */
    int freeze(String prefix) {
        int n = 0;
        for (Link l : links(prefix)) {
            l.frozen = true;
            n++;
        }
        return n;
    }

    /** Resets (RST) both sockets of every open link of the matching routes; returns how many. */
    int reset(String prefix) {
        int n = 0;
        for (Link l : links(prefix)) {
            n++;
            rst(l.client);
            Channel t = l.target;
            if (t != null) {
                rst(t);
            }
        }
        return n;
    }

    /** Delays both directions of the matching routes by {@code delayMillis} for {@code forMillis}; returns the routes. */
    int delay(String prefix, long delayMillis, long forMillis) {
        int n = 0;
        for (Route r : routes.values()) {
            if (r.name.startsWith(prefix)) {
                r.delayMillis = delayMillis;
                r.delayUntilNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(forMillis);
                n++;
            }
        }
        return n;
    }

    /** Stops reading the target side of every open link of the matching routes for {@code forMillis}; returns how many. */
    int stall(String prefix, long forMillis) {
        int n = 0;
        for (Link l : links(prefix)) {
            Channel t = l.target;
            if (t != null) {
                n++;
                t.eventLoop().execute(() -> t.config().setAutoRead(false));
                t.eventLoop().schedule(() -> t.config().setAutoRead(true), forMillis, TimeUnit.MILLISECONDS);
            }
        }
        return n;
    }

    private List<Link> links(String prefix) {
        List<Link> out = new ArrayList<>();
        for (Route r : routes.values()) {
            if (r.name.startsWith(prefix)) {
                out.addAll(r.links);
            }
        }
        return out;
    }

    private static void rst(Channel ch) {
        ch.eventLoop().execute(() -> {
            if (ch.isOpen()) {
                ch.config().setOption(ChannelOption.SO_LINGER, 0);
                ch.close();
            }
        });
    }

    @Override
    public void close() {
        for (Channel l : listeners) {
            l.close().syncUninterruptibly();
        }
        for (Route r : routes.values()) {
            for (Link l : r.links) {
                l.client.close();
                Channel t = l.target;
                if (t != null) {
                    t.close();
                }
            }
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Copies one direction of a link: from the client when {@code fromClient}, else from the target. */
    private static final class Forward extends ChannelInboundHandlerAdapter {
        private final Link link;
        private final boolean fromClient;

        Forward(Link link, boolean fromClient) {
            this.link = link;
            this.fromClient = fromClient;
        }

        private Channel peer() {
            return fromClient ? link.target : link.client;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Channel peer = peer();
            if (link.frozen || peer == null) {
                ReferenceCountUtil.release(msg);
                return;
            }
            Delayed q = fromClient ? link.toTarget : link.toClient;
            long delay = link.route.delayNow();
            if (delay == 0 && q.chunks.isEmpty()) {
                peer.writeAndFlush(msg);
                return;
            }
            long due = Math.max(q.lastDue, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delay));
            q.lastDue = due;
            q.chunks.add(msg);
            q.dues.add(due);
            arm(ctx, q, peer);
        }

        /** Writes every chunk that is due, in order, then waits for the next head. */
        private void arm(ChannelHandlerContext ctx, Delayed q, Channel peer) {
            if (q.timerArmed || q.dues.isEmpty()) {
                return;
            }
            q.timerArmed = true;
            ctx.executor().schedule(() -> {
                q.timerArmed = false;
                while (!q.dues.isEmpty() && q.dues.peek() <= System.nanoTime()) {
                    q.dues.poll();
                    Object chunk = q.chunks.poll();
                    if (link.frozen || !peer.isActive()) {
                        ReferenceCountUtil.release(chunk);
                    } else {
                        peer.writeAndFlush(chunk);
                    }
                }
                if (q.dues.isEmpty() && q.closeWhenDrained) {
                    peer.close();
                }
                arm(ctx, q, peer);
            }, Math.max(0, q.dues.peek() - System.nanoTime()), TimeUnit.NANOSECONDS);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            Channel peer = peer();
            if (!link.frozen && peer != null) {
                Delayed q = fromClient ? link.toTarget : link.toClient;
                if (q.chunks.isEmpty()) {
                    peer.close();
                } else {
                    q.closeWhenDrained = true; // the close follows the delayed bytes, as on a slow path
                }
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
