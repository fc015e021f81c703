package io.reactivewspool.bench.fanout;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The practical ceiling: a plain-Netty fan-out server that does the least work the protocol allows.
 *
 * <p>A {@code publish} is turned into its {@code data} envelope once, with the client's {@code data} copied
 * as raw JSON text, and pre-framed once (WebSocket header and payload in one direct {@link ByteBuf}). Every
 * other subscriber channel of the topic gets a retained duplicate of that buffer; a raw {@code ByteBuf}
 * passes through Netty's frame encoder untouched, so nothing is copied per subscriber. There is no registry
 * beyond one subscriber set per topic and event loop, and no policy: a subscriber channel that is not
 * writable (above Netty's default 64 KiB high water mark) does not get the message, which is
 * <em>dropped and counted</em> ({@link #dropped()}); the load generator sees it as loss.
 *
 * <p>Writes are flushed in batches: a channel written to is flushed once by a task that runs after the
 * event loop has processed its current batch of reads, so several publishes read together cost one
 * {@code writev} per subscriber.
 *
 * <p>Threading: each subscriber is registered in the shard of its own event loop and only that loop touches
 * the shard. A publish is delivered inline to the publisher's own shard and as one task per other shard.
 * The default of one event loop matches the benchmark, where the server is pinned to one core.
 *
 * <pre>{@code
 * try (FanoutServer server = BareFanoutServer.start("127.0.0.1", 0, "/ws", 1)) {
 *     int port = server.port();
 * }
 * }</pre>
 */
public final class BareFanoutServer implements FanoutServer {

    private static final AttributeKey<Subscriber> SUBSCRIBER = AttributeKey.valueOf("bench.subscriber");
    private static final int MAX_FRAME_PAYLOAD = 65_536;
    private static final int MAX_SUBSCRIPTIONS_PER_CONNECTION = 64;
    private static final byte[] DATA_PREFIX = "{\"type\":\"data\",\"topic\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA_MIDDLE = "\",\"data\":".getBytes(StandardCharsets.US_ASCII);

    private final EventLoopGroup group;
    private final Channel serverChannel;
    /** One shard per event loop; immutable after construction. */
    private final Map<EventExecutor, Shard> shards;
    private final List<Shard> shardList;
    private final AtomicLong connectionIds = new AtomicLong();

    private BareFanoutServer(EventLoopGroup group, String host, int port, String path) throws InterruptedException {
        this.group = group;
        Map<EventExecutor, Shard> byLoop = new IdentityHashMap<>();
        List<Shard> list = new ArrayList<>();
        for (EventExecutor loop : group) {
            Shard shard = new Shard(loop);
            byLoop.put(loop, shard);
            list.add(shard);
        }
        this.shards = byLoop;
        this.shardList = List.copyOf(list);
        WebSocketServerProtocolConfig wsConfig = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(path)
                .checkStartsWith(true)
                .maxFramePayloadLength(MAX_FRAME_PAYLOAD)
                .build();
        this.serverChannel = new ServerBootstrap()
                .group(group)
                .channel(Transports.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ChannelPipeline p = ch.pipeline();
                        p.addLast(new HttpServerCodec());
                        p.addLast(new HttpObjectAggregator(8192));
                        p.addLast(new WebSocketServerProtocolHandler(wsConfig));
                        p.addLast(new SessionHandler());
                    }
                })
                .bind(host, port).sync().channel();
    }

    /**
     * Starts a server.
     *
     * @param threads event loops; 1 is right when the process is pinned to one core
     */
    public static BareFanoutServer start(String host, int port, String path, int threads) throws InterruptedException {
        EventLoopGroup group = Transports.group(threads, "bare-fanout");
        try {
            return new BareFanoutServer(group, host, port, path);
        } catch (RuntimeException | InterruptedException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    @Override
    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    /** Racy sum, exact once the server is closed. */
    @Override
    public long dropped() {
        return shardList.stream().mapToLong(s -> s.dropped).sum();
    }

    /** Frames written to subscribers (racy sum, exact once the server is closed). */
    public long written() {
        return shardList.stream().mapToLong(s -> s.written).sum();
    }

    @Override
    public void close() {
        serverChannel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }

    private void fanOut(String topic, ByteBuf frame, Channel sender) {
        EventExecutor current = sender.eventLoop();
        for (Shard shard : shardList) {
            if (shard.loop == current) {
                shard.deliver(topic, frame, sender);
            } else {
                frame.retain();
                shard.loop.execute(() -> {
                    try {
                        shard.deliver(topic, frame, sender);
                    } finally {
                        frame.release();
                    }
                });
            }
        }
    }

    /** Encodes the data envelope of a publish once and pre-frames it as one unmasked text frame. */
    static ByteBuf preFrame(ByteBufAllocator alloc, String topic, InboundRequest req) {
        byte[] topicBytes = topic.getBytes(StandardCharsets.US_ASCII); // validated: no escaping needed
        int dataLength = req.dataEnd - req.dataStart;
        int payload = DATA_PREFIX.length + topicBytes.length + DATA_MIDDLE.length + dataLength + 1;
        int header = payload <= 125 ? 2 : payload <= 65_535 ? 4 : 10;
        ByteBuf frame = alloc.directBuffer(header + payload);
        frame.writeByte(0x81); // FIN + text opcode
        if (payload <= 125) {
            frame.writeByte(payload);
        } else if (payload <= 65_535) {
            frame.writeByte(126);
            frame.writeShort(payload);
        } else {
            frame.writeByte(127);
            frame.writeLong(payload);
        }
        frame.writeBytes(DATA_PREFIX).writeBytes(topicBytes).writeBytes(DATA_MIDDLE)
                .writeBytes(req.json, req.dataStart, dataLength).writeByte('}');
        return frame;
    }

    /** Subscriber sets and the pending-flush list of one event loop; touched only by that loop. */
    private static final class Shard {
        final EventExecutor loop;
        final Map<String, Set<Subscriber>> topics = new HashMap<>();
        final List<Subscriber> toFlush = new ArrayList<>();
        final Runnable flushTask = this::flushAll;
        boolean flushScheduled;
        long dropped;
        long written;

        Shard(EventExecutor loop) {
            this.loop = loop;
        }

        void deliver(String topic, ByteBuf frame, Channel sender) {
            Set<Subscriber> subscribers = topics.get(topic);
            if (subscribers == null) {
                return;
            }
            for (Subscriber s : subscribers) {
                Channel ch = s.channel;
                if (ch == sender) {
                    continue;
                }
                if (!ch.isWritable()) {
                    dropped++;
                    continue;
                }
                ch.write(frame.retainedDuplicate(), ch.voidPromise());
                written++;
                if (!s.flushPending) {
                    s.flushPending = true;
                    toFlush.add(s);
                }
            }
            if (!toFlush.isEmpty() && !flushScheduled) {
                flushScheduled = true;
                loop.execute(flushTask);
            }
        }

        private void flushAll() {
            flushScheduled = false;
            for (int i = 0; i < toFlush.size(); i++) {
                Subscriber s = toFlush.get(i);
                s.flushPending = false;
                s.channel.flush();
            }
            toFlush.clear();
        }

        void subscribe(Subscriber s, String topic) {
            topics.computeIfAbsent(topic, t -> new LinkedHashSet<>()).add(s);
        }

        void unsubscribe(Subscriber s, String topic) {
            Set<Subscriber> set = topics.get(topic);
            if (set != null && set.remove(s) && set.isEmpty()) {
                topics.remove(topic);
            }
        }
    }

    private static final class Subscriber {
        final Channel channel;
        final Set<String> topics = new LinkedHashSet<>();
        boolean flushPending;

        Subscriber(Channel channel) {
            this.channel = channel;
        }
    }

    /** Per connection: protocol handling of inbound text frames. */
    private final class SessionHandler extends SimpleChannelInboundHandler<WebSocketFrame> {

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
                ctx.channel().attr(SUBSCRIBER).set(new Subscriber(ctx.channel()));
                send(ctx, Protocol.welcome("c" + connectionIds.incrementAndGet()));
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (!(frame instanceof TextWebSocketFrame)) {
                send(ctx, Protocol.error("binary frames are not accepted", null));
                return;
            }
            InboundRequest req = InboundRequest.parse(ByteBufUtil.getBytes(frame.content()));
            if (req.problem != null) {
                send(ctx, Protocol.error(req.problem, req.id));
                return;
            }
            switch (req.type) {
                case "subscribe" -> subscribe(ctx, req);
                case "unsubscribe" -> unsubscribe(ctx, req);
                case "publish" -> publish(ctx, req);
                case "ping" -> send(ctx, Protocol.reply("pong", null, req.id));
                default -> send(ctx, Protocol.error("unknown message type", req.id));
            }
        }

        private void subscribe(ChannelHandlerContext ctx, InboundRequest req) {
            if (!Protocol.validTopic(req.topic)) {
                send(ctx, Protocol.error("invalid topic", req.id));
                return;
            }
            Subscriber s = ctx.channel().attr(SUBSCRIBER).get();
            if (!s.topics.contains(req.topic)) {
                if (s.topics.size() >= MAX_SUBSCRIPTIONS_PER_CONNECTION) {
                    send(ctx, Protocol.error("too many subscriptions", req.id));
                    return;
                }
                s.topics.add(req.topic);
                shards.get(ctx.channel().eventLoop()).subscribe(s, req.topic);
            }
            send(ctx, Protocol.reply("subscribed", req.topic, req.id));
        }

        private void unsubscribe(ChannelHandlerContext ctx, InboundRequest req) {
            Subscriber s = ctx.channel().attr(SUBSCRIBER).get();
            if (req.topic != null && s.topics.remove(req.topic)) {
                shards.get(ctx.channel().eventLoop()).unsubscribe(s, req.topic);
            }
            send(ctx, Protocol.reply("unsubscribed", req.topic, req.id));
        }

        private void publish(ChannelHandlerContext ctx, InboundRequest req) {
            if (!Protocol.validTopic(req.topic)) {
                send(ctx, Protocol.error("invalid topic", req.id));
                return;
            }
            if (!req.hasData()) {
                send(ctx, Protocol.error("publish without data", req.id));
                return;
            }
            ByteBuf frame = preFrame(ctx.alloc(), req.topic, req);
            try {
                fanOut(req.topic, frame, ctx.channel());
            } finally {
                frame.release();
            }
            if (req.id != null) {
                send(ctx, Protocol.reply("published", req.topic, req.id));
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            Subscriber s = ctx.channel().attr(SUBSCRIBER).getAndSet(null);
            if (s != null) {
                Shard shard = shards.get(ctx.channel().eventLoop());
                for (String topic : s.topics) {
                    shard.unsubscribe(s, topic);
                }
            }
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // Peers reset connections at the end of every run; there is nothing to report per connection.
            ctx.close();
        }

        private void send(ChannelHandlerContext ctx, String json) {
            ctx.writeAndFlush(new TextWebSocketFrame(json), ctx.voidPromise());
        }
    }
}
