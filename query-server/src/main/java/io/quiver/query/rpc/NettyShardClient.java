package io.quiver.query.rpc;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.quiver.query.routing.ShardEndpoint;
import io.quiver.schemas.rpc.CountRequest;
import io.quiver.schemas.rpc.CountResponse;
import io.quiver.schemas.rpc.GetPointRequest;
import io.quiver.schemas.rpc.GetPointResponse;
import io.quiver.schemas.rpc.RpcCodec;
import io.quiver.schemas.rpc.RpcFrames;
import io.quiver.schemas.rpc.SearchBatchRequest;
import io.quiver.schemas.rpc.SearchBatchResponse;
import io.quiver.schemas.rpc.SearchRequest;
import io.quiver.schemas.rpc.SearchResponse;
import io.quiver.schemas.rpc.TermStatsRequest;
import io.quiver.schemas.rpc.TermStatsResponse;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * {@link ShardClient} over Netty: a small pool of persistent connections per shard server, each
 * carrying many concurrent requests matched by request id.
 *
 * <p>Connections open lazily on first use and are replaced when they close, so a shard server that
 * restarts on the same address is picked up again without a directory change. Nothing here blocks:
 * connects, writes and timeouts are callbacks on the given event loop group.
 *
 * <p>A call made on one of the group's event loops (an HTTP search parsed on its connection's loop)
 * goes over a connection of that same loop, one per loop and shard server, opened on first use: the
 * request is written and its answer read and handed back on the thread that asked, with no hand-off
 * between threads on the way out or back. Calls from other threads share the round-robin pool of
 * {@code connectionsPerEndpoint} connections. Each request goes out as one buffer, length prefix
 * included ({@link RpcFrames}).
 */
public final class NettyShardClient implements ShardClient {

    /** Default connections per shard server: enough that one large answer does not stall others. */
    public static final int DEFAULT_CONNECTIONS_PER_ENDPOINT = 2;

    private static final int CONNECT_TIMEOUT_MS = 2_000;

    private final Bootstrap bootstrap;
    private final EventLoopGroup group;
    private final int connectionsPerEndpoint;
    private final Map<ShardEndpoint, Pool> pools = new ConcurrentHashMap<>();
    private final AtomicLong requestIds = new AtomicLong();
    private volatile boolean closed;

    /**
     * A client over Java NIO connections.
     *
     * @param group the event loops the connections run on, an NIO group (not closed by this client)
     * @param connectionsPerEndpoint connections kept per shard server, at least 1
     */
    public NettyShardClient(EventLoopGroup group, int connectionsPerEndpoint) {
        this(group, NioSocketChannel.class, connectionsPerEndpoint);
    }

    /**
     * @param group the event loops the connections run on (not closed by this client)
     * @param channelClass the socket channel of {@code group}'s transport ({@link
     *     io.quiver.schemas.net.NettyTransport#socketChannel()})
     * @param connectionsPerEndpoint connections kept per shard server, at least 1
     */
    public NettyShardClient(
            EventLoopGroup group,
            Class<? extends SocketChannel> channelClass,
            int connectionsPerEndpoint) {
        if (connectionsPerEndpoint < 1) {
            throw new IllegalArgumentException(
                    "connections per shard server must be >= 1, got " + connectionsPerEndpoint);
        }
        this.connectionsPerEndpoint = connectionsPerEndpoint;
        this.group = group;
        this.bootstrap =
                new Bootstrap()
                        .group(group)
                        .channel(channelClass)
                        .option(ChannelOption.TCP_NODELAY, true)
                        .option(ChannelOption.SO_KEEPALIVE, true)
                        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MS);
    }

    @Override
    public long nextRequestId() {
        return requestIds.incrementAndGet();
    }

    @Override
    public CompletableFuture<SearchResponse> search(
            ShardEndpoint endpoint, SearchRequest request, long timeoutMs) {
        return call(
                endpoint,
                request.requestId(),
                out -> RpcCodec.writeRequest(request, out),
                SearchResponse.class,
                timeoutMs);
    }

    @Override
    public CompletableFuture<SearchBatchResponse> searchBatch(
            ShardEndpoint endpoint, SearchBatchRequest request, long timeoutMs) {
        return call(
                endpoint,
                request.requestId(),
                out -> RpcCodec.writeBatch(request, out),
                SearchBatchResponse.class,
                timeoutMs);
    }

    @Override
    public CompletableFuture<GetPointResponse> get(
            ShardEndpoint endpoint, GetPointRequest request, long timeoutMs) {
        return call(
                endpoint,
                request.requestId(),
                out -> RpcCodec.writeGet(request, out),
                GetPointResponse.class,
                timeoutMs);
    }

    @Override
    public CompletableFuture<CountResponse> count(
            ShardEndpoint endpoint, CountRequest request, long timeoutMs) {
        return call(
                endpoint,
                request.requestId(),
                out -> RpcCodec.writeCount(request, out),
                CountResponse.class,
                timeoutMs);
    }

    @Override
    public CompletableFuture<TermStatsResponse> termStats(
            ShardEndpoint endpoint, TermStatsRequest request, long timeoutMs) {
        return call(
                endpoint,
                request.requestId(),
                out -> RpcCodec.writeTermStats(request, out),
                TermStatsResponse.class,
                timeoutMs);
    }

    /** Sends one request and completes with its answer, checked to be of {@code answerType}. */
    private <T> CompletableFuture<T> call(
            ShardEndpoint endpoint,
            long requestId,
            Consumer<ByteBuf> encoder,
            Class<T> answerType,
            long timeoutMs) {
        CompletableFuture<Object> result = new CompletableFuture<>();
        if (closed) {
            result.completeExceptionally(new IllegalStateException("shard client is closed"));
        } else {
            pools.computeIfAbsent(endpoint, Pool::new)
                    .channel()
                    .whenComplete(
                            (channel, failure) -> {
                                if (failure != null) {
                                    result.completeExceptionally(failure);
                                } else {
                                    send(channel, requestId, encoder, timeoutMs, result);
                                }
                            });
        }
        return result.thenApply(
                answer -> {
                    if (!answerType.isInstance(answer)) {
                        throw new ShardRpcException(
                                "shard server "
                                        + endpoint
                                        + " answered request "
                                        + requestId
                                        + " with a "
                                        + answer.getClass().getSimpleName()
                                        + " instead of a "
                                        + answerType.getSimpleName());
                    }
                    return answerType.cast(answer);
                });
    }

    private void send(
            Channel channel,
            long requestId,
            Consumer<ByteBuf> encoder,
            long timeoutMs,
            CompletableFuture<Object> result) {
        ShardResponseHandler handler = channel.pipeline().get(ShardResponseHandler.class);
        if (handler == null) {
            result.completeExceptionally(
                    new ShardConnectionException("connection closed before sending", null));
            return;
        }
        handler.register(requestId, result);
        ScheduledFuture<?> timer =
                channel.eventLoop()
                        .schedule(
                                () ->
                                        result.completeExceptionally(
                                                new ShardTimeoutException(
                                                        "no answer from "
                                                                + channel.remoteAddress()
                                                                + " within "
                                                                + timeoutMs
                                                                + " ms")),
                                Math.max(1, timeoutMs),
                                TimeUnit.MILLISECONDS);
        result.whenComplete((r, t) -> timer.cancel(false));
        ByteBuf frame;
        try {
            frame = RpcFrames.encode(channel.alloc(), encoder);
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
            return;
        }
        channel.writeAndFlush(frame)
                .addListener(
                        f -> {
                            if (!f.isSuccess()) {
                                result.completeExceptionally(
                                        new ShardConnectionException(
                                                "cannot send to " + channel.remoteAddress(),
                                                f.cause()));
                                channel.close();
                            }
                        });
    }

    @Override
    public void close() {
        closed = true;
        pools.values().forEach(Pool::close);
        pools.clear();
    }

    /** The group's event loop the calling thread runs, or null when it runs none of them. */
    private EventLoop callerLoop() {
        for (EventExecutor e : group) {
            if (e.inEventLoop()) {
                return e instanceof EventLoop loop ? loop : null;
            }
        }
        return null;
    }

    /**
     * The connections to one shard server: one per event loop for calls made on that loop, and a
     * round-robin pool for the rest.
     */
    private final class Pool {

        private final ShardEndpoint endpoint;
        private final AtomicInteger next = new AtomicInteger();
        private final CompletableFuture<Channel>[] slots;
        private final Map<EventLoop, CompletableFuture<Channel>> perLoop =
                new ConcurrentHashMap<>();

        @SuppressWarnings("unchecked")
        Pool(ShardEndpoint endpoint) {
            this.endpoint = endpoint;
            this.slots = new CompletableFuture[connectionsPerEndpoint];
        }

        CompletableFuture<Channel> channel() {
            EventLoop loop = callerLoop();
            if (loop != null) {
                CompletableFuture<Channel> own = perLoop.get(loop);
                if (own != null && usable(own)) {
                    return own;
                }
                // Only this loop's thread touches its entry, so no lock is needed.
                own = connect(loop);
                perLoop.put(loop, own);
                return own;
            }
            int i = Math.floorMod(next.getAndIncrement(), slots.length);
            synchronized (this) {
                CompletableFuture<Channel> slot = slots[i];
                if (slot == null || !usable(slot)) {
                    slot = connect(null);
                    slots[i] = slot;
                }
                return slot;
            }
        }

        /** Connecting, or connected and open. */
        private boolean usable(CompletableFuture<Channel> slot) {
            return !slot.isDone() || (!slot.isCompletedExceptionally() && slot.join().isActive());
        }

        /**
         * @param loop the event loop the connection must run on, or null for any of the group's
         */
        private CompletableFuture<Channel> connect(EventLoop loop) {
            CompletableFuture<Channel> f = new CompletableFuture<>();
            String name = endpoint.toString();
            ChannelFuture cf =
                    (loop == null ? bootstrap.clone() : bootstrap.clone(loop))
                            .handler(
                                    new ChannelInitializer<SocketChannel>() {
                                        @Override
                                        protected void initChannel(SocketChannel ch) {
                                            ch.pipeline()
                                                    .addLast(
                                                            new LengthFieldBasedFrameDecoder(
                                                                    RpcCodec.MAX_FRAME_BYTES,
                                                                    0,
                                                                    4,
                                                                    0,
                                                                    4),
                                                            new ShardResponseHandler(name));
                                        }
                                    })
                            .connect(endpoint.host(), endpoint.port());
            cf.addListener(
                    done -> {
                        if (done.isSuccess()) {
                            f.complete(cf.channel());
                        } else {
                            f.completeExceptionally(
                                    new ShardConnectionException(
                                            "cannot connect to shard server " + name,
                                            done.cause()));
                        }
                    });
            return f;
        }

        synchronized void close() {
            for (CompletableFuture<Channel> slot : slots) {
                if (slot != null) {
                    slot.thenAccept(Channel::close);
                }
            }
            perLoop.values().forEach(slot -> slot.thenAccept(Channel::close));
        }
    }
}
