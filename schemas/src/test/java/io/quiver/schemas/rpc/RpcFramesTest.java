package io.quiver.schemas.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;

class RpcFramesTest {

    private static final ByteBufAllocator HEAP = new UnpooledByteBufAllocator(false);

    @Test
    void aFrameIsTheBodysLengthAsABigEndianIntThenTheBody() {
        SearchRequest request =
                SearchRequest.simple(
                        77, "docs", new int[] {1, 2}, 10, 0, true, new float[] {1, 2, 3}, 250);
        ByteBuf body = Unpooled.buffer();
        RpcCodec.writeRequest(request, body);
        ByteBuf expected = Unpooled.buffer().writeInt(body.readableBytes()).writeBytes(body);

        ByteBuf frame = RpcFrames.encode(HEAP, out -> RpcCodec.writeRequest(request, out));
        try {
            assertThat(ByteBufUtil.hexDump(frame)).isEqualTo(ByteBufUtil.hexDump(expected));
            assertThat(frame.readInt()).isEqualTo(frame.readableBytes());
            SearchRequest back = (SearchRequest) RpcCodec.read(frame);
            assertThat(back.requestId()).isEqualTo(77);
            assertThat(back.vector()).containsExactly(1, 2, 3);
        } finally {
            frame.release();
            expected.release();
            body.release();
        }
    }

    @Test
    void aBodyThatFailsToEncodeReleasesItsBufferAndThrows() {
        ByteBuf[] seen = new ByteBuf[1];
        assertThatThrownBy(
                        () ->
                                RpcFrames.encode(
                                        HEAP,
                                        out -> {
                                            seen[0] = out;
                                            out.writeLong(1);
                                            throw new IllegalStateException("no such answer");
                                        }))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("no such answer");
        assertThat(seen[0].refCnt()).isZero();
    }

    @Test
    void aBodyOverTheFrameLimitIsRefusedNamingItsSizeAndItsBufferIsReleased() {
        ByteBuf[] seen = new ByteBuf[1];
        assertThatThrownBy(
                        () ->
                                RpcFrames.encode(
                                        HEAP,
                                        out -> {
                                            seen[0] = out;
                                            out.writeZero(RpcCodec.MAX_FRAME_BYTES + 1);
                                        }))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "a frame of "
                                + (RpcCodec.MAX_FRAME_BYTES + 1)
                                + " bytes is over the shard RPC limit of "
                                + RpcCodec.MAX_FRAME_BYTES);
        assertThat(seen[0].refCnt()).isZero();
    }
}
