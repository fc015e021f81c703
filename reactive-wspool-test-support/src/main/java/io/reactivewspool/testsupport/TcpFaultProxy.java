package io.reactivewspool.testsupport;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

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
 * A loopback TCP proxy that breaks network paths on demand, for network-failure tests and the chaos
 * campaign. Each route (a name such as {@code sub3-hub1} or {@code hub2-redis}) is a listener on an
 * ephemeral loopback port forwarding to {@code 127.0.0.1:targetPort}; every accepted connection gets
 * its own link to the target. Faults act on the open links of the routes whose name starts with a
 * prefix ({@code ""}: all):
 * <ul>
 * <li>{@link #freeze(String)}: both directions are read and thrown away and no close crosses, so both
 * peers keep a socket that looks alive and never hears from the other end again (a dead path without
 * FIN or RST), until one side's own timeout closes it;</li>
 * <li>{@link #reset(String)}: both sockets are closed with an RST (SO_LINGER 0);</li>
 * <li>{@link #delay(String, long, long)}: every chunk is forwarded that much later, order kept, for a
 * while;</li>
 * <li>{@link #stall(String, long)}: the target side is not read for a while (the target's writes back
 * up into its own buffers and queues).</li>
 * </ul>
 * Links opened after a fault forward normally (a fresh network path), except that a delay applies to
 * the route for its whole length. Forwarding runs on the proxy's own Netty event loops and never
 * blocks them; every chunk it does not forward is released.
 *
 * <pre>{@code
 * try (TcpFaultProxy proxy = TcpFaultProxy.to(hubPort)) {   // one route
 *     connect("ws://127.0.0.1:" + proxy.port() + "/ws");
 *     proxy.freeze();                                      // every link open now goes silent
 * }
 * TcpFaultProxy net = new TcpFaultProxy(2);                // many named routes
 * int port = net.route("sub1-hub1", hubPort);
 * net.reset("sub1-");
 * net.close();
 * }</pre>
 *
 * Thread-safe; not a public API of the project.
 */
public final class TcpFaultProxy implements AutoCloseable {

    private final EventLoopGroup group;
    private final ConcurrentHashMap<String, Route> routes = new ConcurrentHashMap<>();
    private final List<Channel> listeners = new ArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger targetClosed = new AtomicInteger();

    private static final class Route {
        final String name;
        final Set<Link> links = ConcurrentHashMap.newKeySet();
        volatile int port;
        volatile long delayMillis;
        volatile long delayUntilNanos;

        Route(String name) {
            this.name = name;
        }

        long delayNow() {
            return System.nanoTime() < delayUntilNanos ? delayMillis : 0;
        }

        /** A link of this route for an accepted socket, open until that socket closes. */
        Link open(Channel client) {
            Link link = new Link(client);
            links.add(link);
            client.closeFuture().addListener(f -> links.remove(link));
            return link;
        }

        /** One accepted socket of the route, its socket to the target, and whether the path between them is dead. */
        final class Link {
            final Channel client;
            volatile Channel target;
            volatile boolean frozen;
            /** Per direction, delayed chunks in arrival order; only the link's event loop touches them. */
            final Delayed toTarget = new Delayed();
            final Delayed toClient = new Delayed();

            private Link(Channel client) {
                this.client = client;
            }

            long delayNow() {
                return Route.this.delayNow();
            }
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

        void discard() {
            Object chunk;
            while ((chunk = chunks.poll()) != null) {
                ReferenceCountUtil.release(chunk);
            }
            dues.clear();
        }
    }

    /** A proxy without routes whose links run on {@code ioThreads} event loops; add routes with {@link #route}. */
    public TcpFaultProxy(int ioThreads) {
        this.group = new MultiThreadIoEventLoopGroup(ioThreads, NioIoHandler.newFactory());
    }

    /** A proxy with one route, on an ephemeral loopback port ({@link #port()}), to {@code 127.0.0.1:targetPort}. */
    public static TcpFaultProxy to(int targetPort) {
        TcpFaultProxy proxy = new TcpFaultProxy(1);
        proxy.route("to-" + targetPort, targetPort);
        return proxy;
    }

    /** Opens a listener for the route {@code name} to {@code 127.0.0.1:targetPort}; returns its port. */
    public synchronized int route(String name, int targetPort) {
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
                        accepted.incrementAndGet();
                        Route.Link link = route.open(ch);
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
                                    f.channel().closeFuture().addListener(x -> targetClosed.incrementAndGet());
                                    ch.pipeline().addLast(new Forward(link, true));
                                    ch.config().setAutoRead(true);
                                });
                    }
                })
                .bind("127.0.0.1", 0).syncUninterruptibly().channel();
        listeners.add(listener);
        route.port = ((InetSocketAddress) listener.localAddress()).getPort();
        return route.port;
    }

    /** The listening port of a proxy with a single route (one made by {@link #to(int)}). */
    public int port() {
        if (routes.size() != 1) {
            throw new IllegalStateException("port() needs exactly one route, this proxy has " + routes.keySet());
        }
        return routes.values().iterator().next().port;
    }

    /** Freezes every link open now, on every route; returns how many. */
    public int freeze() {
        return freeze("");
    }

    /** Freezes every open link of the matching routes, both directions, without closing a socket; returns how many. */
    public int freeze(String prefix) {
        int n = 0;
        for (Route.Link l : links(prefix)) {
            l.frozen = true;
            n++;
        }
        return n;
    }

    /** Resets (RST) both sockets of every open link of the matching routes; returns how many. */
    public int reset(String prefix) {
        int n = 0;
        for (Route.Link l : links(prefix)) {
            n++;
            // One task for both sockets (they share the event loop): reset one at a time, and the first
            // one's close would reach the other as a FIN through Forward before the second reset ran.
            l.client.eventLoop().execute(() -> {
                rst(l.client);
                Channel t = l.target;
                if (t != null) {
                    rst(t);
                }
            });
        }
        return n;
    }

    /** Delays both directions of the matching routes by {@code delayMillis} for {@code forMillis}; returns the routes. */
    public int delay(String prefix, long delayMillis, long forMillis) {
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
    public int stall(String prefix, long forMillis) {
        int n = 0;
        for (Route.Link l : links(prefix)) {
            Channel t = l.target;
            if (t != null) {
                n++;
                t.eventLoop().execute(() -> t.config().setAutoRead(false));
                t.eventLoop().schedule(() -> t.config().setAutoRead(true), forMillis, TimeUnit.MILLISECONDS);
            }
        }
        return n;
    }

    /** Connections accepted since start, on every route. */
    public int acceptedConnections() {
        return accepted.get();
    }

    /** Client-side sockets still open (frozen or not), on every route. */
    public int openLinks() {
        int n = 0;
        for (Route r : routes.values()) {
            n += r.links.size();
        }
        return n;
    }

    /** Target-side sockets the target (or the proxy) has closed. */
    public int targetSocketsClosed() {
        return targetClosed.get();
    }

    private List<Route.Link> links(String prefix) {
        List<Route.Link> out = new ArrayList<>();
        for (Route r : routes.values()) {
            if (r.name.startsWith(prefix)) {
                out.addAll(r.links);
            }
        }
        return out;
    }

    private static void rst(Channel ch) {
        if (ch.isOpen()) {
            ch.config().setOption(ChannelOption.SO_LINGER, 0);
            ch.close();
        }
    }

    /** Closes every listener and link, releases the chunks still delayed, and stops the event loops. */
    @Override
    public synchronized void close() {
        for (Channel l : listeners) {
            l.close().syncUninterruptibly();
        }
        List<Route.Link> open = links("");
        for (Route.Link l : open) {
            l.client.close();
            Channel t = l.target;
            if (t != null) {
                t.close();
            }
        }
        // A shutting-down event loop cancels the timers of delayed chunks instead of running them.
        for (Route.Link l : open) {
            l.client.eventLoop().submit(() -> {
                l.toTarget.discard();
                l.toClient.discard();
            }).syncUninterruptibly();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Copies one direction of a link: from the client when {@code fromClient}, else from the target. */
    private static final class Forward extends ChannelInboundHandlerAdapter {
        private final Route.Link link;
        private final boolean fromClient;

        Forward(Route.Link link, boolean fromClient) {
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
            long delay = link.delayNow();
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
