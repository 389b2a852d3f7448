package io.quiver.shard;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.quiver.schemas.rpc.RpcCodec;

/**
 * The shard RPC pipeline: length-prefixed frames in, then the request handler, which writes each
 * answer as a whole frame, length prefix included ({@link io.quiver.schemas.rpc.RpcFrames}).
 */
final class ShardServerInitializer extends ChannelInitializer<SocketChannel> {

    private final ShardSearcher searcher;

    ShardServerInitializer(ShardSearcher searcher) {
        this.searcher = searcher;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        configure(ch.pipeline(), searcher);
    }

    /** Adds the shard RPC handlers to {@code pipeline}; tests use it on an EmbeddedChannel. */
    static void configure(ChannelPipeline pipeline, ShardSearcher searcher) {
        configure(pipeline, new ShardRequestHandler(searcher));
    }

    /** Like {@link #configure(ChannelPipeline, ShardSearcher)} with the given request handler. */
    static void configure(ChannelPipeline pipeline, ShardRequestHandler handler) {
        pipeline.addLast(new LengthFieldBasedFrameDecoder(RpcCodec.MAX_FRAME_BYTES, 0, 4, 0, 4))
                .addLast(handler);
    }
}
