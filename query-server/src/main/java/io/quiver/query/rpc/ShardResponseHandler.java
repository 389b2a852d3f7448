package io.quiver.query.rpc;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.quiver.schemas.rpc.CountResponse;
import io.quiver.schemas.rpc.GetPointResponse;
import io.quiver.schemas.rpc.RpcCodec;
import io.quiver.schemas.rpc.RpcError;
import io.quiver.schemas.rpc.SearchBatchResponse;
import io.quiver.schemas.rpc.SearchResponse;
import io.quiver.schemas.rpc.TermStatsResponse;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side of one shard-server connection: matches answers to requests by id, so many
 * requests (searches, point lookups, counts) share the connection and may be answered in any order.
 */
final class ShardResponseHandler extends SimpleChannelInboundHandler<ByteBuf> {

    private static final Logger LOG = LoggerFactory.getLogger(ShardResponseHandler.class);

    private final String endpoint;
    private final Map<Long, CompletableFuture<Object>> pending = new ConcurrentHashMap<>();

    ShardResponseHandler(String endpoint) {
        this.endpoint = endpoint;
    }

    void register(long requestId, CompletableFuture<Object> future) {
        pending.put(requestId, future);
        future.whenComplete((r, t) -> pending.remove(requestId, future));
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
        Object msg;
        try {
            msg = RpcCodec.read(frame);
        } catch (IllegalArgumentException e) {
            LOG.warn("Unreadable frame from shard server {}: {}", endpoint, e.getMessage());
            ctx.close();
            return;
        }
        if (msg instanceof SearchResponse r) {
            complete(r.requestId(), r);
        } else if (msg instanceof GetPointResponse r) {
            complete(r.requestId(), r);
        } else if (msg instanceof CountResponse r) {
            complete(r.requestId(), r);
        } else if (msg instanceof SearchBatchResponse r) {
            complete(r.requestId(), r);
        } else if (msg instanceof TermStatsResponse r) {
            complete(r.requestId(), r);
        } else if (msg instanceof RpcError e) {
            ShardRpcException failure =
                    new ShardRpcException("shard server " + endpoint + ": " + e.message());
            CompletableFuture<Object> f = pending.remove(e.requestId());
            if (f != null) {
                f.completeExceptionally(failure);
            } else {
                LOG.warn("Shard server {} refused a request: {}", endpoint, e.message());
                ctx.close();
            }
        } else {
            LOG.warn(
                    "Unexpected {} from shard server {}", msg.getClass().getSimpleName(), endpoint);
            ctx.close();
        }
    }

    /** Completes the caller's future; the caller checks the answer's type. */
    private void complete(long requestId, Object answer) {
        CompletableFuture<Object> f = pending.remove(requestId);
        if (f != null) {
            f.complete(answer);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        failAll(
                new ShardConnectionException(
                        "connection to shard server " + endpoint + " closed", null));
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("Connection to shard server {} failed", endpoint, cause);
        failAll(
                new ShardConnectionException(
                        "connection to shard server " + endpoint + " failed", cause));
        ctx.close();
    }

    private void failAll(Throwable failure) {
        for (Long id : pending.keySet()) {
            CompletableFuture<Object> f = pending.remove(id);
            if (f != null) {
                f.completeExceptionally(failure);
            }
        }
    }
}
