package io.quiver.query.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.quiver.query.routing.ShardEndpoint;
import io.quiver.schemas.rpc.RpcCodec;
import io.quiver.schemas.rpc.SearchBatchRequest;
import io.quiver.schemas.rpc.SearchBatchResponse;
import io.quiver.schemas.rpc.SearchRequest;
import io.quiver.schemas.rpc.SearchResponse;
import io.quiver.schemas.rpc.ShardResult;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A shard server for tests, speaking the real RPC frames: answers every search (single or batched)
 * with what {@link #answer} computes per shard, after {@link #delayMs} if set. Records the requests
 * it got.
 */
public final class FakeShardServer implements AutoCloseable {

    private final EventLoopGroup group =
            new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel channel;
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    public final List<SearchRequest> requests = new CopyOnWriteArrayList<>();
    public final List<SearchBatchRequest> batches = new CopyOnWriteArrayList<>();
    public volatile long delayMs;

    /** Answers wait until this completes (a test holds searches in flight with it). */
    public volatile CompletableFuture<Void> gate = CompletableFuture.completedFuture(null);

    public volatile Function<Integer, ShardResult> answer = FakeShardServer::noHits;

    public FakeShardServer() {
        channel =
                new ServerBootstrap()
                        .group(group)
                        .channel(NioServerSocketChannel.class)
                        .childHandler(
                                new ChannelInitializer<SocketChannel>() {
                                    @Override
                                    protected void initChannel(SocketChannel ch) {
                                        connections.add(ch);
                                        ch.pipeline()
                                                .addLast(
                                                        new LengthFieldBasedFrameDecoder(
                                                                RpcCodec.MAX_FRAME_BYTES,
                                                                0,
                                                                4,
                                                                0,
                                                                4),
                                                        new LengthFieldPrepender(4),
                                                        new Handler());
                                    }
                                })
                        .bind("127.0.0.1", 0)
                        .syncUninterruptibly()
                        .channel();
    }

    public static ShardResult noHits(int shard) {
        return new ShardResult(shard, ShardResult.Status.OK, "", null, null, null, null, null);
    }

    public ShardEndpoint endpoint() {
        return new ShardEndpoint(
                "127.0.0.1", ((InetSocketAddress) channel.localAddress()).getPort());
    }

    private final class Handler extends SimpleChannelInboundHandler<ByteBuf> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
            Object message = RpcCodec.read(frame);
            Runnable reply;
            if (message instanceof SearchBatchRequest batch) {
                batches.add(batch);
                List<SearchResponse> responses = new ArrayList<>();
                for (SearchRequest r : batch.searches()) {
                    responses.add(new SearchResponse(batch.requestId(), results(r)));
                }
                reply =
                        () -> {
                            ByteBuf out = ctx.alloc().buffer();
                            RpcCodec.writeBatchResponse(
                                    new SearchBatchResponse(batch.requestId(), responses), out);
                            ctx.writeAndFlush(out);
                        };
            } else {
                SearchRequest request = (SearchRequest) message;
                requests.add(request);
                List<ShardResult> results = results(request);
                reply =
                        () -> {
                            ByteBuf out = ctx.alloc().buffer();
                            RpcCodec.writeResponse(
                                    new SearchResponse(request.requestId(), results), out);
                            ctx.writeAndFlush(out);
                        };
            }
            long delay = delayMs;
            if (delay > 0) {
                ctx.executor().schedule(reply, delay, TimeUnit.MILLISECONDS);
            } else if (!gate.isDone()) {
                gate.thenRun(() -> ctx.executor().execute(reply));
            } else {
                reply.run();
            }
        }
    }

    private List<ShardResult> results(SearchRequest request) {
        List<ShardResult> results = new ArrayList<>();
        for (int s : request.shards()) {
            results.add(answer.apply(s));
        }
        return results;
    }

    private boolean closed;

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        channel.close().syncUninterruptibly();
        connections.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
