package io.quiver.schemas.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RpcCodecTest {

    private static SearchRequest request() {
        return new SearchRequest(
                42L,
                "docs",
                new int[] {1, 5, 9},
                10,
                64,
                true,
                new float[] {0.25f, -1f, 3f},
                500,
                new int[] {0, 2},
                new long[] {17L, 99L},
                "{\"must\":[]}".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void requestRoundTrips() {
        ByteBuf buf = Unpooled.buffer();
        RpcCodec.writeRequest(request(), buf);
        SearchRequest r = (SearchRequest) RpcCodec.read(buf);
        assertThat(r.requestId()).isEqualTo(42L);
        assertThat(r.collection()).isEqualTo("docs");
        assertThat(r.shards()).containsExactly(1, 5, 9);
        assertThat(r.k()).isEqualTo(10);
        assertThat(r.ef()).isEqualTo(64);
        assertThat(r.withPayload()).isTrue();
        assertThat(r.vector()).containsExactly(0.25f, -1f, 3f);
        assertThat(r.timeoutMs()).isEqualTo(500);
        assertThat(r.requiredPartitions()).containsExactly(0, 2);
        assertThat(r.requiredOffsets()).containsExactly(17L, 99L);
        assertThat(new String(r.filter(), StandardCharsets.UTF_8)).isEqualTo("{\"must\":[]}");
    }

    @Test
    void responseRoundTripsWithAndWithoutPayloads() {
        ShardResult ok =
                new ShardResult(
                        3,
                        ShardResult.Status.OK,
                        "",
                        new int[] {0},
                        new long[] {5L},
                        new String[] {"a", "b"},
                        new float[] {0.9f, 0.5f},
                        new byte[][] {"{}".getBytes(StandardCharsets.UTF_8), null});
        ShardResult moved = ShardResult.failed(4, ShardResult.Status.NOT_HERE, "moved");
        ByteBuf buf = Unpooled.buffer();
        RpcCodec.writeResponse(new SearchResponse(7L, List.of(ok, moved)), buf);
        SearchResponse r = (SearchResponse) RpcCodec.read(buf);
        assertThat(r.requestId()).isEqualTo(7L);
        ShardResult a = r.shards().get(0);
        assertThat(a.ids()).containsExactly("a", "b");
        assertThat(a.scores()).containsExactly(0.9f, 0.5f);
        assertThat(a.payloads()[0]).isEqualTo("{}".getBytes(StandardCharsets.UTF_8));
        assertThat(a.payloads()[1]).isNull();
        assertThat(a.appliedOffsets()).containsExactly(5L);
        assertThat(r.shards().get(1).status()).isEqualTo(ShardResult.Status.NOT_HERE);
        assertThat(r.shards().get(1).message()).isEqualTo("moved");
    }

    @Test
    void errorFrameRoundTrips() {
        ByteBuf buf = Unpooled.buffer();
        RpcCodec.writeError(9L, "bad", buf);
        assertThat(RpcCodec.read(buf)).isEqualTo(new RpcError(9L, "bad"));
    }

    @Test
    void everyTruncationFailsClearly() {
        ByteBuf full = Unpooled.buffer();
        RpcCodec.writeRequest(request(), full);
        byte[] bytes = new byte[full.readableBytes()];
        full.readBytes(bytes);
        for (int len = 0; len < bytes.length; len++) {
            ByteBuf cut = Unpooled.wrappedBuffer(bytes, 0, len);
            assertThatThrownBy(() -> RpcCodec.read(cut)).isInstanceOf(RpcFormatException.class);
        }
    }

    @Test
    void unknownVersionAndTypeAndHugeLengthsAreRefused() {
        assertThatThrownBy(
                        () ->
                                RpcCodec.read(
                                        Unpooled.wrappedBuffer(
                                                new byte[] {2, 1, 0, 0, 0, 0, 0, 0, 0, 0})))
                .hasMessageContaining("unsupported shard RPC version 2");
        assertThatThrownBy(
                        () ->
                                RpcCodec.read(
                                        Unpooled.wrappedBuffer(
                                                new byte[] {1, 9, 0, 0, 0, 0, 0, 0, 0, 0})))
                .hasMessageContaining("unknown shard RPC message type 9");
        ByteBuf huge = Unpooled.buffer();
        huge.writeByte(1).writeByte(1).writeLong(1L).writeInt(Integer.MAX_VALUE);
        assertThatThrownBy(() -> RpcCodec.read(huge)).hasMessageContaining("bad length");
    }

    @Test
    void randomBytesNeverThrowAnythingButFormatErrors() {
        Random random = new Random(11);
        for (int i = 0; i < 2000; i++) {
            byte[] junk = new byte[random.nextInt(64)];
            random.nextBytes(junk);
            if (junk.length > 0) {
                junk[0] = 1;
            }
            try {
                RpcCodec.read(Unpooled.wrappedBuffer(junk));
            } catch (RpcFormatException expected) {
                // the only acceptable failure
            }
        }
    }
}
