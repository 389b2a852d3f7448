package io.quiver.schemas.rpc;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.function.Consumer;

/**
 * Whole shard RPC frames, the length prefix written into the same buffer as the body: the bytes of
 * Netty's {@code LengthFieldPrepender(4)} in front of a {@link RpcCodec} body, without the second
 * buffer the prepender adds per frame (one more allocation, and a write of two parts). Either end
 * may still use the prepender: the wire is the same.
 */
public final class RpcFrames {

    /** Bytes of the length prefix: a big-endian int32, the body's length. */
    public static final int PREFIX_BYTES = 4;

    private RpcFrames() {}

    /**
     * A frame from {@code alloc}: the prefix, then whatever {@code body} writes (a {@link RpcCodec}
     * writer). When {@code body} throws, or writes more than {@link RpcCodec#MAX_FRAME_BYTES}
     * (which the other end would refuse by closing the connection), the buffer is released and the
     * exception thrown; the caller owns the buffer otherwise.
     *
     * @throws IllegalArgumentException when the body is over {@link RpcCodec#MAX_FRAME_BYTES}
     */
    public static ByteBuf encode(ByteBufAllocator alloc, Consumer<ByteBuf> body) {
        ByteBuf out = alloc.buffer();
        try {
            int start = out.writerIndex();
            out.writeInt(0);
            body.accept(out);
            int length = out.writerIndex() - start - PREFIX_BYTES;
            if (length > RpcCodec.MAX_FRAME_BYTES) {
                throw new IllegalArgumentException(
                        "a frame of "
                                + length
                                + " bytes is over the shard RPC limit of "
                                + RpcCodec.MAX_FRAME_BYTES);
            }
            out.setInt(start, length);
            return out;
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }
}
