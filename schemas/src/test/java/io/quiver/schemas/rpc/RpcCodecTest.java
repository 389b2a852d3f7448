package io.quiver.schemas.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
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

    /** Every kind of buffer the codec may be handed, each with one byte already written. */
    private static List<ByteBuf> buffers() {
        List<ByteBuf> bufs =
                List.of(
                        Unpooled.buffer(4),
                        Unpooled.directBuffer(4),
                        PooledByteBufAllocator.DEFAULT.heapBuffer(4),
                        PooledByteBufAllocator.DEFAULT.directBuffer(4),
                        new AdaptiveByteBufAllocator().buffer(4),
                        Unpooled.compositeBuffer()
                                .addComponent(true, Unpooled.buffer(3))
                                .addComponent(true, Unpooled.directBuffer(5)));
        for (ByteBuf b : bufs) {
            b.writeByte(0x5a);
        }
        return bufs;
    }

    @Test
    void vectorsAndIdsEncodeAsTheFormatSaysInEveryKindOfBuffer() {
        Random random = new Random(11);
        float[] vector = new float[784];
        for (int i = 0; i < vector.length; i++) {
            vector[i] = (float) random.nextGaussian();
        }
        vector[1] = Float.NaN;
        vector[2] = -0f;
        String collection = "col\u00e9";
        SearchRequest request =
                new SearchRequest(
                        9L,
                        collection,
                        new int[] {2},
                        10,
                        12,
                        false,
                        vector,
                        100,
                        new int[0],
                        new long[0],
                        null);
        String[] ids = {"a", "\u00e9t\u00e9", "\uD834\uDD1E", "x\uD800y", "\uDC00"};
        ShardResult hits =
                new ShardResult(
                        2,
                        ShardResult.Status.OK,
                        "",
                        new int[0],
                        new long[0],
                        ids,
                        new float[] {1, 2, 3, 4, 5},
                        new byte[5][],
                        new float[][] {vector, null, {1f}, new float[0], vector});
        for (ByteBuf buf : buffers()) {
            RpcCodec.writeRequest(request, buf);
            byte[] name = collection.getBytes(StandardCharsets.UTF_8);
            int at = 1 + 10;
            assertThat(buf.getInt(at)).isEqualTo(name.length);
            int vectorAt = at + 4 + name.length + 8 + 4 + 4 + 1 + 4;
            assertThat(buf.getInt(vectorAt)).isEqualTo(vector.length);
            for (int i = 0; i < vector.length; i++) {
                assertThat(buf.getInt(vectorAt + 4 + 4 * i))
                        .isEqualTo(Float.floatToRawIntBits(vector[i]));
            }
            buf.skipBytes(1);
            SearchRequest back = (SearchRequest) RpcCodec.read(buf);
            assertThat(back.collection()).isEqualTo(collection);
            assertThat(back.vector())
                    .usingElementComparator(RpcCodecTest::bits)
                    .containsExactly(toObjects(vector));

            buf.clear().writeByte(0x5a);
            RpcCodec.writeResponse(new SearchResponse(9L, List.of(hits)), buf);
            buf.skipBytes(1);
            ShardResult read = ((SearchResponse) RpcCodec.read(buf)).shards().get(0);
            for (int i = 0; i < ids.length; i++) {
                String expected =
                        new String(ids[i].getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
                assertThat(read.ids()[i]).isEqualTo(expected);
            }
            assertThat(read.vectors()[0])
                    .usingElementComparator(RpcCodecTest::bits)
                    .containsExactly(toObjects(vector));
            assertThat(read.vectors()[1]).isNull();
            assertThat(read.vectors()[2]).containsExactly(1f);
            assertThat(read.vectors()[3]).isEmpty();
            buf.release();
        }
    }

    @Test
    void aVectorSplitAcrossBufferComponentsReadsWhole() {
        float[] vector = {1.5f, -2f, 3.25f, 1e-30f, 7f};
        ByteBuf whole = Unpooled.buffer();
        RpcCodec.writeRequest(
                new SearchRequest(
                        1L,
                        "c",
                        new int[] {0},
                        1,
                        1,
                        false,
                        vector,
                        10,
                        new int[0],
                        new long[0],
                        null),
                whole);
        int cut = whole.readableBytes() - 30;
        ByteBuf split =
                Unpooled.compositeBuffer()
                        .addComponent(true, Unpooled.directBuffer().writeBytes(whole, cut))
                        .addComponent(true, Unpooled.buffer().writeBytes(whole));
        assertThat(((SearchRequest) RpcCodec.read(split)).vector()).containsExactly(vector);
    }

    private static int bits(Float a, Float b) {
        return Integer.compare(Float.floatToRawIntBits(a), Float.floatToRawIntBits(b));
    }

    private static Float[] toObjects(float[] a) {
        Float[] out = new Float[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i];
        }
        return out;
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
                                                new byte[] {1, 99, 0, 0, 0, 0, 0, 0, 0, 0})))
                .hasMessageContaining("unknown shard RPC message type 99");
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

    @Test
    void getPointRequestRoundTrips() {
        ByteBuf buf = Unpooled.buffer();
        RpcCodec.writeGet(new GetPointRequest(12L, "docs", 7, "p-ä1"), buf);
        assertThat(RpcCodec.read(buf)).isEqualTo(new GetPointRequest(12L, "docs", 7, "p-ä1"));
    }

    @Test
    void pointResponseRoundTripsFoundAndNotFound() {
        ByteBuf buf = Unpooled.buffer();
        RpcCodec.writePoint(
                new GetPointResponse(
                        3L,
                        7,
                        ShardResult.Status.OK,
                        "",
                        new float[] {1f, -2.5f},
                        "{\"a\":1}".getBytes(StandardCharsets.UTF_8)),
                buf);
        GetPointResponse found = (GetPointResponse) RpcCodec.read(buf);
        assertThat(found.requestId()).isEqualTo(3L);
        assertThat(found.shard()).isEqualTo(7);
        assertThat(found.found()).isTrue();
        assertThat(found.vector()).containsExactly(1f, -2.5f);
        assertThat(new String(found.payload(), StandardCharsets.UTF_8)).isEqualTo("{\"a\":1}");

        RpcCodec.writePoint(GetPointResponse.notFound(4L, 7), buf);
        GetPointResponse missing = (GetPointResponse) RpcCodec.read(buf);
        assertThat(missing.found()).isFalse();
        assertThat(missing.payload()).isNull();
        assertThat(missing.status()).isEqualTo(ShardResult.Status.OK);

        RpcCodec.writePoint(
                GetPointResponse.failed(5L, 7, ShardResult.Status.RECOVERING, "restoring"), buf);
        GetPointResponse failed = (GetPointResponse) RpcCodec.read(buf);
        assertThat(failed.status()).isEqualTo(ShardResult.Status.RECOVERING);
        assertThat(failed.message()).isEqualTo("restoring");
    }

    @Test
    void countRequestAndResponseRoundTrip() {
        ByteBuf buf = Unpooled.buffer();
        RpcCodec.writeCount(
                new CountRequest(
                        8L, "docs", new int[] {0, 3}, "{}".getBytes(StandardCharsets.UTF_8)),
                buf);
        CountRequest request = (CountRequest) RpcCodec.read(buf);
        assertThat(request.requestId()).isEqualTo(8L);
        assertThat(request.collection()).isEqualTo("docs");
        assertThat(request.shards()).containsExactly(0, 3);
        assertThat(new String(request.filter(), StandardCharsets.UTF_8)).isEqualTo("{}");

        RpcCodec.writeCount(new CountRequest(9L, "docs", new int[] {1}, null), buf);
        assertThat(((CountRequest) RpcCodec.read(buf)).filter()).isEmpty();

        CountResponse counts =
                new CountResponse(
                        8L,
                        List.of(
                                new CountResponse.Count(0, ShardResult.Status.OK, "", 1L << 40),
                                new CountResponse.Count(
                                        3, ShardResult.Status.NOT_HERE, "moved", 0)));
        RpcCodec.writeCounts(counts, buf);
        assertThat(RpcCodec.read(buf)).isEqualTo(counts);
    }

    @Test
    void everyTruncationOfTheNewMessagesFailsClearly() {
        List<ByteBuf> frames = new java.util.ArrayList<>();
        ByteBuf get = Unpooled.buffer();
        RpcCodec.writeGet(new GetPointRequest(1L, "docs", 2, "id"), get);
        frames.add(get);
        ByteBuf point = Unpooled.buffer();
        RpcCodec.writePoint(
                new GetPointResponse(
                        1L, 2, ShardResult.Status.OK, "", new float[] {1f}, new byte[] {'{', '}'}),
                point);
        frames.add(point);
        ByteBuf count = Unpooled.buffer();
        RpcCodec.writeCount(
                new CountRequest(1L, "docs", new int[] {1, 2}, new byte[] {'{', '}'}), count);
        frames.add(count);
        ByteBuf counts = Unpooled.buffer();
        RpcCodec.writeCounts(
                new CountResponse(
                        1L, List.of(new CountResponse.Count(1, ShardResult.Status.OK, "x", 5))),
                counts);
        frames.add(counts);
        for (ByteBuf full : frames) {
            byte[] bytes = new byte[full.readableBytes()];
            full.readBytes(bytes);
            for (int len = 0; len < bytes.length; len++) {
                ByteBuf cut = Unpooled.wrappedBuffer(bytes, 0, len);
                assertThatThrownBy(() -> RpcCodec.read(cut)).isInstanceOf(RpcFormatException.class);
            }
        }
    }

    @Test
    void aPointWithoutVectorButWithPayloadIsRefused() {
        ByteBuf buf = Unpooled.buffer();
        buf.writeByte(1).writeByte(RpcCodec.TYPE_POINT).writeLong(1L);
        buf.writeInt(2)
                .writeByte(0)
                .writeInt(0)
                .writeInt(-1)
                .writeInt(2)
                .writeBytes("{}".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> RpcCodec.read(buf))
                .isInstanceOf(RpcFormatException.class)
                .hasMessageContaining("a point that was not found has no payload");
    }

    @Test
    void theExactScoresFlagRoundTripsBesideTheOthers() {
        ByteBuf buf = Unpooled.buffer();
        SearchRequest sent =
                new SearchRequest(
                                7L,
                                "docs",
                                new int[] {0, 3},
                                5,
                                0,
                                true,
                                false,
                                new float[] {1f, 2f},
                                100,
                                null,
                                null,
                                null)
                        .withExactScores(true);
        RpcCodec.writeRequest(sent, buf);
        SearchRequest request = (SearchRequest) RpcCodec.read(buf);
        assertThat(request.exactScores()).isTrue();
        assertThat(request.withPayload()).isTrue();
        assertThat(request.withVector()).isFalse();
        assertThat(request.shards()).containsExactly(0, 3);
        assertThat(request.vector()).containsExactly(1f, 2f);
        assertThat(request().exactScores()).isFalse();
        assertThat(request().withExactScores(true).withExactScores(false).exactScores()).isFalse();
    }

    @Test
    void theExactSearchFlagRoundTripsIndependentlyOfExactScores() {
        for (boolean scores : new boolean[] {false, true}) {
            ByteBuf buf = Unpooled.buffer();
            RpcCodec.writeRequest(request().withExactScores(scores).withExactSearch(true), buf);
            SearchRequest read = (SearchRequest) RpcCodec.read(buf);
            assertThat(read.exactSearch()).isTrue();
            assertThat(read.exactScores()).isEqualTo(scores);
            assertThat(read.withPayload()).isTrue();
            assertThat(read.ef()).isEqualTo(64);
        }
        ByteBuf buf = Unpooled.buffer();
        RpcCodec.writeRequest(request().withExactScores(true), buf);
        assertThat(((SearchRequest) RpcCodec.read(buf)).exactSearch()).isFalse();
        // The flag byte is the only difference: older readers see a known message.
        ByteBuf plain = Unpooled.buffer();
        ByteBuf exact = Unpooled.buffer();
        RpcCodec.writeRequest(request(), plain);
        RpcCodec.writeRequest(request().withExactSearch(true), exact);
        assertThat(exact.readableBytes()).isEqualTo(plain.readableBytes());
    }

    @Test
    void aSearchBatchAndItsAnswerRoundTripInOrder() {
        SearchRequest second =
                new SearchRequest(
                                0L,
                                "docs",
                                new int[] {2},
                                3,
                                0,
                                false,
                                true,
                                new float[] {9f},
                                80,
                                null,
                                null,
                                null)
                        .withExactSearch(true);
        ByteBuf buf = Unpooled.buffer();
        RpcCodec.writeBatch(new SearchBatchRequest(77L, List.of(request(), second)), buf);
        SearchBatchRequest batch = (SearchBatchRequest) RpcCodec.read(buf);
        assertThat(batch.requestId()).isEqualTo(77L);
        assertThat(batch.searches()).hasSize(2);
        assertThat(batch.searches().get(0).shards()).containsExactly(1, 5, 9);
        assertThat(batch.searches().get(0).requiredOffsets()).containsExactly(17L, 99L);
        assertThat(batch.searches().get(1).vector()).containsExactly(9f);
        assertThat(batch.searches().get(1).exactSearch()).isTrue();
        assertThat(batch.searches().get(1).withVector()).isTrue();
        assertThat(batch.searches().get(1).timeoutMs()).isEqualTo(80);

        ShardResult plain =
                new ShardResult(
                        1,
                        ShardResult.Status.OK,
                        "",
                        null,
                        null,
                        new String[] {"a"},
                        new float[] {0.5f},
                        new byte[][] {null});
        ShardResult withVector =
                new ShardResult(
                        2,
                        ShardResult.Status.OK,
                        "",
                        null,
                        null,
                        new String[] {"b"},
                        new float[] {0.25f},
                        new byte[][] {null},
                        new float[][] {{1f, 2f}});
        ByteBuf answer = Unpooled.buffer();
        RpcCodec.writeBatchResponse(
                new SearchBatchResponse(
                        77L,
                        List.of(
                                new SearchResponse(77L, List.of(plain)),
                                new SearchResponse(77L, List.of(withVector)))),
                answer);
        SearchBatchResponse read = (SearchBatchResponse) RpcCodec.read(answer);
        assertThat(read.requestId()).isEqualTo(77L);
        assertThat(read.responses()).hasSize(2);
        assertThat(read.responses().get(0).shards().get(0).ids()).containsExactly("a");
        assertThat(read.responses().get(0).shards().get(0).vectors()).isNull();
        assertThat(read.responses().get(1).shards().get(0).vectors()[0]).containsExactly(1f, 2f);
    }

    @Test
    void everyTruncationOfABatchFailsClearly() {
        ByteBuf full = Unpooled.buffer();
        RpcCodec.writeBatch(new SearchBatchRequest(5L, List.of(request(), request())), full);
        byte[] bytes = new byte[full.readableBytes()];
        full.readBytes(bytes);
        for (int n = 0; n < bytes.length; n++) {
            ByteBuf cut = Unpooled.wrappedBuffer(bytes, 0, n);
            assertThatThrownBy(() -> RpcCodec.read(cut)).isInstanceOf(RpcFormatException.class);
        }
        assertThatThrownBy(() -> new SearchBatchRequest(1L, List.of()))
                .hasMessageContaining("a search batch holds 1 to 1000 searches, got 0");
    }

    @Test
    void theWithVectorFlagAndVectorResultsRoundTrip() {
        ByteBuf buf = Unpooled.buffer();
        RpcCodec.writeRequest(
                new SearchRequest(
                        1L,
                        "docs",
                        new int[] {0},
                        5,
                        0,
                        false,
                        true,
                        new float[] {1f},
                        100,
                        null,
                        null,
                        null),
                buf);
        SearchRequest request = (SearchRequest) RpcCodec.read(buf);
        assertThat(request.withVector()).isTrue();
        assertThat(request.withPayload()).isFalse();
        assertThat(request().withVector()).isFalse();

        ShardResult hits =
                new ShardResult(
                        0,
                        ShardResult.Status.OK,
                        "",
                        null,
                        null,
                        new String[] {"a", "b"},
                        new float[] {1f, 2f},
                        null,
                        new float[][] {{0.5f, 1.5f}, null});
        ShardResult failed = ShardResult.failed(1, ShardResult.Status.RECOVERING, "r");
        RpcCodec.writeResponse(new SearchResponse(2L, List.of(hits, failed)), buf);
        assertThat(buf.getByte(buf.readerIndex() + 1))
                .isEqualTo((byte) RpcCodec.TYPE_RESULT_VECTORS);
        byte[] bytes = new byte[buf.readableBytes()];
        buf.getBytes(buf.readerIndex(), bytes);
        SearchResponse r = (SearchResponse) RpcCodec.read(buf);
        assertThat(r.shards().get(0).vectors()[0]).containsExactly(0.5f, 1.5f);
        assertThat(r.shards().get(0).vectors()[1]).isNull();
        assertThat(r.shards().get(1).vectors()).isEmpty();
        for (int len = 0; len < bytes.length; len++) {
            ByteBuf cut = Unpooled.wrappedBuffer(bytes, 0, len);
            assertThatThrownBy(() -> RpcCodec.read(cut)).isInstanceOf(RpcFormatException.class);
        }

        RpcCodec.writeResponse(new SearchResponse(3L, List.of(failed)), buf);
        assertThat(buf.getByte(buf.readerIndex() + 1)).isEqualTo((byte) RpcCodec.TYPE_RESULT);
        assertThat(((SearchResponse) RpcCodec.read(buf)).shards().get(0).vectors()).isNull();
    }

    @Test
    void termStatsRequestAndAnswerRoundTripAndEveryTruncationFailsClearly() {
        ByteBuf buf = Unpooled.buffer();
        RpcCodec.writeTermStats(
                new TermStatsRequest(7L, "docs", new int[] {0, 3}, "body", List.of("quokka", "ü")),
                buf);
        byte[] requestBytes = new byte[buf.readableBytes()];
        buf.getBytes(buf.readerIndex(), requestBytes);
        TermStatsRequest request = (TermStatsRequest) RpcCodec.read(buf);
        assertThat(request.requestId()).isEqualTo(7L);
        assertThat(request.collection()).isEqualTo("docs");
        assertThat(request.shards()).containsExactly(0, 3);
        assertThat(request.field()).isEqualTo("body");
        assertThat(request.terms()).containsExactly("quokka", "ü");

        TermStatsResponse answer =
                new TermStatsResponse(
                        7L,
                        List.of(
                                new TermStatsResponse.Stats(
                                        0,
                                        ShardResult.Status.OK,
                                        "",
                                        1L << 33,
                                        5L << 33,
                                        new long[] {3, TermStatsResponse.UNKNOWN}),
                                TermStatsResponse.Stats.failed(
                                        3, ShardResult.Status.RECOVERING, "restoring")));
        RpcCodec.writeTermStatsResponse(answer, buf);
        byte[] answerBytes = new byte[buf.readableBytes()];
        buf.getBytes(buf.readerIndex(), answerBytes);
        TermStatsResponse read = (TermStatsResponse) RpcCodec.read(buf);
        assertThat(read.requestId()).isEqualTo(7L);
        assertThat(read.shards()).hasSize(2);
        TermStatsResponse.Stats ok = read.shards().get(0);
        assertThat(ok.docs()).isEqualTo(1L << 33);
        assertThat(ok.totalTerms()).isEqualTo(5L << 33);
        assertThat(ok.docFreqs()).containsExactly(3, TermStatsResponse.UNKNOWN);
        assertThat(read.shards().get(1).status()).isEqualTo(ShardResult.Status.RECOVERING);
        assertThat(read.shards().get(1).message()).isEqualTo("restoring");

        for (byte[] bytes : List.of(requestBytes, answerBytes)) {
            for (int len = 0; len < bytes.length; len++) {
                ByteBuf cut = Unpooled.wrappedBuffer(bytes, 0, len);
                assertThatThrownBy(() -> RpcCodec.read(cut)).isInstanceOf(RpcFormatException.class);
            }
        }
    }

    @Test
    void aTermStatsRequestWithTooManyTermsIsRefused() {
        List<String> terms = new java.util.ArrayList<>();
        for (int i = 0; i <= TermStatsRequest.MAX_TERMS; i++) {
            terms.add("t" + i);
        }
        assertThatThrownBy(() -> new TermStatsRequest(1L, "docs", new int[] {0}, "text", terms))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at most 4096 terms per request, got 4097");
    }
}
