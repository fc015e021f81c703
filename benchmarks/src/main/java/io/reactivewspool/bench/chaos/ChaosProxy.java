package io.reactivewspool.bench.chaos;

import java.net.InetSocketAddress;
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

    /** One accepted socket and its socket to the target. */
    private static final class Link {
        final Route route;
        final Channel client;
        volatile Channel target;
        volatile boolean frozen;
        /** Per direction, the time (nanoTime) the last delayed chunk is due: later chunks never overtake it. */
        long clientToTargetDue;
        long targetToClientDue;
        /** Per direction, delayed chunks not yet written: while any is, later chunks queue behind it. */
        int clientToTargetPending;
        int targetToClientPending;

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

    /** Open links of the matching routes. */
    int openLinks(String prefix) {
        return links(prefix).size();
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
            long delay = link.route.delayNow();
            long now = System.nanoTime();
            long lastDue = fromClient ? link.clientToTargetDue : link.targetToClientDue;
            int pending = fromClient ? link.clientToTargetPending : link.targetToClientPending;
            if (delay == 0 && pending == 0) {
                peer.writeAndFlush(msg);
                return;
            }
            // Both channels of a link share one event loop: the due times need no lock.
            long due = Math.max(lastDue, now + TimeUnit.MILLISECONDS.toNanos(delay));
            if (fromClient) {
                link.clientToTargetDue = due;
                link.clientToTargetPending++;
            } else {
                link.targetToClientDue = due;
                link.targetToClientPending++;
            }
            // Same event loop, deadlines never decreasing: Netty runs these in submission order.
            ctx.executor().schedule(() -> {
                if (fromClient) {
                    link.clientToTargetPending--;
                } else {
                    link.targetToClientPending--;
                }
                if (link.frozen || !peer.isActive()) {
                    ReferenceCountUtil.release(msg);
                } else {
                    peer.writeAndFlush(msg);
                }
            }, due - now, TimeUnit.NANOSECONDS);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            Channel peer = peer();
            if (!link.frozen && peer != null) {
                long lastDue = fromClient ? link.clientToTargetDue : link.targetToClientDue;
                long wait = lastDue - System.nanoTime();
                if (wait > 0) {
                    // The close follows the delayed bytes, as it would on a slow path.
                    ctx.executor().schedule(() -> {
                        peer.close();
                    }, wait, TimeUnit.NANOSECONDS);
                } else {
                    peer.close();
                }
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
