package io.reactivewspool.reliability;

import java.net.InetSocketAddress;
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
 * A loopback TCP proxy for network-failure tests. Every accepted connection gets its own link to
 * the target. {@link #freeze()} turns every link open at that moment into a half-open one: bytes
 * in either direction are read and thrown away, and neither side's close reaches the other, so
 * both peers keep a socket that looks alive and never hears from the other end again. Links
 * accepted after the freeze forward normally (a fresh network path).
 */
final class FreezableTcpProxy implements AutoCloseable {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Set<Link> links = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger targetClosed = new AtomicInteger();
    private final Channel listener;

    /** One client-side socket, its target-side socket, and whether the path between them is dead. */
    private final class Link {
        final Channel client;
        volatile Channel target;
        volatile boolean frozen;

        Link(Channel client) {
            this.client = client;
        }
    }

    private FreezableTcpProxy(int targetPort) throws InterruptedException {
        listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        accepted.incrementAndGet();
                        Link link = new Link(ch);
                        links.add(link);
                        ch.closeFuture().addListener(f -> links.remove(link));
                        new Bootstrap().group(ch.eventLoop()).channel(NioSocketChannel.class)
                                .option(ChannelOption.AUTO_READ, true)
                                .handler(new Forward(link, ch))
                                .connect("127.0.0.1", targetPort)
                                .addListener((ChannelFutureListener) f -> {
                                    if (!f.isSuccess()) {
                                        ch.close();
                                        return;
                                    }
                                    link.target = f.channel();
                                    f.channel().closeFuture().addListener(x -> targetClosed.incrementAndGet());
                                    ch.pipeline().addLast(new Forward(link, f.channel()));
                                    ch.config().setAutoRead(true);
                                });
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
    }

    /** A proxy on an ephemeral loopback port that forwards to 127.0.0.1:targetPort. */
    static FreezableTcpProxy to(int targetPort) {
        try {
            return new FreezableTcpProxy(targetPort);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** Stops forwarding on every link open now, in both directions, without closing any socket. Returns how many. */
    int freeze() {
        int n = 0;
        for (Link l : links) {
            l.frozen = true;
            n++;
        }
        return n;
    }

    /** Connections accepted since start. */
    int acceptedConnections() {
        return accepted.get();
    }

    /** Client-side sockets still open (frozen or not). */
    int openLinks() {
        return links.size();
    }

    /** Target-side sockets the target (or the proxy) has closed. */
    int targetSocketsClosed() {
        return targetClosed.get();
    }

    @Override
    public void close() {
        listener.close().syncUninterruptibly();
        for (Link l : links) {
            l.client.close();
            Channel t = l.target;
            if (t != null) {
                t.close();
            }
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Copies what one side sends to the other, until the link freezes. */
    private static final class Forward extends ChannelInboundHandlerAdapter {
        private final Link link;
        private final Channel peer;

        Forward(Link link, Channel peer) {
            this.link = link;
            this.peer = peer;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (link.frozen) {
                ReferenceCountUtil.release(msg);
            } else {
                peer.writeAndFlush(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!link.frozen) {
                peer.close();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
