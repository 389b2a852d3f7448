package io.quiver.shard;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.quiver.schemas.rpc.CountRequest;
import io.quiver.schemas.rpc.GetPointRequest;
import io.quiver.schemas.rpc.RpcCodec;
import io.quiver.schemas.rpc.RpcFormatException;
import io.quiver.schemas.rpc.RpcFrames;
import io.quiver.schemas.rpc.SearchBatchRequest;
import io.quiver.schemas.rpc.SearchBatchResponse;
import io.quiver.schemas.rpc.SearchRequest;
import io.quiver.schemas.rpc.SearchResponse;
import io.quiver.schemas.rpc.TermStatsRequest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one shard RPC frame body (the length prefix already stripped), hands searches (single or
 * batched) to the {@link ShardSearcher} and point lookups, counts and term statistics to its {@link
 * ShardLookups}, and writes the answer as one frame, length prefix included ({@link RpcFrames}).
 * The first small single search of a read ({@link ShardSearcher#runsInline}) is answered right here
 * on the event loop, when the read is done; the others of the same read go to the search pool,
 * unless this thread may run on one CPU only, where the pool could not search them side by side and
 * the hand-off would only add its cost: then every small search of the read is answered here. A
 * frame it cannot read is answered with an ERROR frame and the connection stays open; only a frame
 * over the size limit closes it, because the stream cannot be resynchronized after one.
 */
final class ShardRequestHandler extends SimpleChannelInboundHandler<ByteBuf> {

    private static final Logger LOG = LoggerFactory.getLogger(ShardRequestHandler.class);

    /** Most small searches of one read answered on the event loop when it has one CPU. */
    static final int MAX_INLINE_PER_READ = 32;

    private final ShardSearcher searcher;
    private final IntSupplier cpus;

    /** The read's small searches to answer on the event loop once the read is done. */
    private final List<SearchRequest> heldInline = new ArrayList<>();

    /** How many small searches this read may hold; 0 until a second one asks. */
    private int inlineLimit;

    ShardRequestHandler(ShardSearcher searcher) {
        this(searcher, () -> Runtime.getRuntime().availableProcessors());
    }

    /**
     * @param cpus the CPUs the calling thread may run on (the JVM's count follows its affinity mask
     *     and CPU quota); asked only when a read holds a second small search
     */
    ShardRequestHandler(ShardSearcher searcher, IntSupplier cpus) {
        this.searcher = searcher;
        this.cpus = cpus;
    }

    /**
     * Answers the read's small searches here, after every other frame of the read has gone to the
     * search pool: with more than one CPU a connection whose requests arrive together still has
     * them searched side by side on every search thread, not one after another on this loop.
     */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        for (SearchRequest search : heldInline) {
            write(ctx.channel(), searcher.answer(search));
        }
        heldInline.clear();
        inlineLimit = 0;
        ctx.fireChannelReadComplete();
    }

    /** Whether this read may hold one more small search for the event loop. */
    private boolean holdsAnother() {
        if (heldInline.isEmpty()) {
            return true;
        }
        if (inlineLimit == 0) {
            inlineLimit = cpus.getAsInt() == 1 ? MAX_INLINE_PER_READ : 1;
        }
        return heldInline.size() < inlineLimit;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
        long requestId = requestIdOf(frame);
        Object message;
        try {
            message = RpcCodec.read(frame);
        } catch (RpcFormatException e) {
            writeError(ctx.channel(), requestId, e.getMessage(), false);
            return;
        }
        Channel channel = ctx.channel();
        if (message instanceof SearchRequest search) {
            if (searcher.runsInline(search) && holdsAnother()) {
                heldInline.add(search);
            } else {
                searcher.submit(search, response -> write(channel, response));
            }
        } else if (message instanceof SearchBatchRequest batch) {
            submitBatch(channel, batch);
        } else if (message instanceof GetPointRequest get) {
            searcher.lookups()
                    .submit(
                            get,
                            response ->
                                    write(
                                            channel,
                                            response.requestId(),
                                            out -> RpcCodec.writePoint(response, out)));
        } else if (message instanceof CountRequest count) {
            searcher.lookups()
                    .submit(
                            count,
                            response ->
                                    write(
                                            channel,
                                            response.requestId(),
                                            out -> RpcCodec.writeCounts(response, out)));
        } else if (message instanceof TermStatsRequest stats) {
            searcher.lookups()
                    .submit(
                            stats,
                            response ->
                                    write(
                                            channel,
                                            response.requestId(),
                                            out -> RpcCodec.writeTermStatsResponse(response, out)));
        } else {
            writeError(
                    channel,
                    requestId,
                    "a shard server only accepts SEARCH, SEARCH_BATCH, GET, COUNT and TERM_STATS"
                            + " messages, got "
                            + message.getClass().getSimpleName(),
                    false);
        }
    }

    /**
     * Runs every search of the batch on the search pool, concurrently, and writes one answer once
     * the last has finished (each within its own timeout).
     */
    private void submitBatch(Channel channel, SearchBatchRequest batch) {
        int n = batch.searches().size();
        SearchResponse[] responses = new SearchResponse[n];
        AtomicInteger left = new AtomicInteger(n);
        for (int i = 0; i < n; i++) {
            int slot = i;
            searcher.submit(
                    batch.searches().get(i),
                    response -> {
                        responses[slot] = response;
                        // The decrement publishes the slot to the thread that writes the answer.
                        if (left.decrementAndGet() == 0) {
                            SearchBatchResponse answer =
                                    new SearchBatchResponse(
                                            batch.requestId(), Arrays.asList(responses));
                            write(
                                    channel,
                                    batch.requestId(),
                                    out -> RpcCodec.writeBatchResponse(answer, out));
                        }
                    });
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            writeError(ctx.channel(), 0, "frame too large: " + cause.getMessage(), true);
            return;
        }
        LOG.debug("shard RPC connection from {} failed", ctx.channel().remoteAddress(), cause);
        ctx.close();
    }

    private static void write(Channel channel, SearchResponse response) {
        write(channel, response.requestId(), out -> RpcCodec.writeResponse(response, out));
    }

    private static void write(Channel channel, long requestId, Consumer<ByteBuf> encoder) {
        ByteBuf out;
        try {
            out = RpcFrames.encode(channel.alloc(), encoder);
        } catch (RuntimeException e) {
            LOG.warn("cannot encode the response to request {}", requestId, e);
            writeError(channel, requestId, "cannot encode response: " + e, false);
            return;
        }
        channel.writeAndFlush(out);
    }

    private static void writeError(Channel channel, long requestId, String text, boolean close) {
        ByteBuf out =
                RpcFrames.encode(
                        channel.alloc(), body -> RpcCodec.writeError(requestId, text, body));
        if (close) {
            channel.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
        } else {
            channel.writeAndFlush(out);
        }
    }

    /** The request id from the header when the frame is long enough to hold one, else 0. */
    private static long requestIdOf(ByteBuf frame) {
        int start = frame.readerIndex();
        return frame.readableBytes() >= 10 ? frame.getLong(start + 2) : 0L;
    }
}
